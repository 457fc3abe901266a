import { Global, Module } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { createOpenAiClient } from '../llm/openai-client';
import { EmbeddedStores } from './embedded-stores';
import { EmbeddingProvider } from './embedding-provider';
import { LocalEmbeddingProvider } from './local-embedding.provider';
import { OpenAiEmbeddingProvider } from './openai-embedding.provider';

@Global()
@Module({
  providers: [
    {
      provide: EmbeddingProvider,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): EmbeddingProvider =>
        config.embeddings.provider === 'openai'
          ? new OpenAiEmbeddingProvider(
              createOpenAiClient(config),
              config.embeddings.model,
              config.embeddings.dimensions,
              config.embeddings.batchSize,
            )
          : new LocalEmbeddingProvider(config.embeddings.dimensions),
    },
    EmbeddedStores,
  ],
  exports: [EmbeddingProvider, EmbeddedStores],
})
export class EmbeddingsModule {}
