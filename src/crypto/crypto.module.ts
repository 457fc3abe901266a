import { Global, Module } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Vault } from './vault';

@Global()
@Module({
  providers: [{ provide: Vault, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new Vault(config.vaultKeys) }],
  exports: [Vault],
})
export class CryptoModule {}
