import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { EntityManager } from '@mikro-orm/postgresql';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BlobStorage } from './blob-storage';
import { LocalBlobStorage } from './local-blob-storage';
import { PostgresBlobStorage } from './postgres-blob-storage';

@Global()
@Module({
  providers: [
    {
      provide: BlobStorage,
      inject: [APP_CONFIG, EntityManager],
      useFactory: (config: AppConfig, em: EntityManager): BlobStorage =>
        config.storage.driver === 'local'
          ? new LocalBlobStorage(join(config.dataDir, 'blobs'))
          : new PostgresBlobStorage(em),
    },
  ],
  exports: [BlobStorage],
})
export class StorageModule {}
