import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { type AppConfig } from './config/app-config';
import { AccessModule } from './access/access.module';
import { AdminModule } from './admin/admin.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { ChatModule } from './chat/chat.module';
import { ChunksModule } from './chunks/chunks.module';
import { LlmModule } from './llm/llm.module';
import { SummariesModule } from './summaries/summaries.module';
import { CryptoModule } from './crypto/crypto.module';
import { EmbeddingsModule } from './embeddings/embeddings.module';
import { IngestionModule } from './ingestion/ingestion.module';
import { NotebooksModule } from './notebooks/notebooks.module';
import { JobsModule } from './jobs/jobs.module';
import { RetrievalModule } from './retrieval/retrieval.module';
import { SearchModule } from './search/search.module';
import { SourcesModule } from './sources/sources.module';
import { StorageModule } from './storage/storage.module';
import { SecretsModule } from './secrets/secrets.module';
import { DatabaseModule } from './database/database.module';
import { EventsModule } from './events/events.module';
import { HealthModule } from './health/health.module';
import { AllExceptionsFilter } from './http/all-exceptions.filter';
import { ContentTypeGuard } from './http/content-type.guard';
import { LoggingModule } from './logging/logging.module';
import { MetricsModule } from './metrics/metrics.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';
import { ThrottlingModule } from './throttling/throttling.module';

export interface AppModuleOptions {
  /** Modules added beside the features (tests add probe controllers and job handlers). */
  extraModules?: NonNullable<ModuleMetadata['imports']>;
}

@Module({})
export class AppModule {
  /** The whole application for one validated configuration; features plug in as modules here. */
  static forRoot(config: AppConfig, options: AppModuleOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule,
        RedisModule,
        EventsModule,
        DatabaseModule.forRoot(config),
        QueueModule.forRoot(config),
        ThrottlingModule,
        CryptoModule,
        AuditModule,
        AccessModule,
        AuthModule,
        ApiKeysModule,
        SecretsModule,
        AdminModule,
        StorageModule,
        EmbeddingsModule,
        LlmModule,
        ChunksModule,
        NotebooksModule,
        SourcesModule,
        IngestionModule,
        RetrievalModule,
        SearchModule,
        SummariesModule,
        ChatModule,
        JobsModule,
        HealthModule,
        ...(options.extraModules ?? []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_GUARD, useClass: ContentTypeGuard },
      ],
    };
  }
}
