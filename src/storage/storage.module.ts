import { join } from 'node:path';
import { Global, Module } from '@nestjs/common';
import { DbContext } from '../database/unit-of-work';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { BlobStorage } from './blob-storage';
import { LocalBlobStorage } from './local-blob-storage';
import { PostgresBlobStorage } from './postgres-blob-storage';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { BlobPart } from './blob-part.entity';

@Global()
@Module({
  imports: [MikroOrmModule.forFeature([BlobPart])],
  providers: [
    {
      provide: BlobStorage,
      inject: [APP_CONFIG, DbContext],
      useFactory: (config: AppConfig, db: DbContext): BlobStorage =>
        config.storage.driver === 'local'
          ? new LocalBlobStorage(join(config.dataDir, 'blobs'))
          : new PostgresBlobStorage(db),
    },
  ],
  exports: [BlobStorage],
})
export class StorageModule {}
