import { Global, Module } from '@nestjs/common';
import { type AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ChatModel } from './chat-model';
import { LocalExtractiveModel } from './local-extractive.model';
import { createOpenAiClient } from './openai-client';
import { OpenAiChatModel } from './openai-chat.model';

@Global()
@Module({
  providers: [
    {
      provide: ChatModel,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): ChatModel =>
        config.chat.provider === 'openai'
          ? new OpenAiChatModel(createOpenAiClient(config), {
              model: config.chat.model,
              temperature: config.chat.temperature,
              maxTokens: config.chat.maxTokens,
              timeoutMs: config.chat.timeoutMs,
            })
          : new LocalExtractiveModel(),
    },
  ],
  exports: [ChatModel],
})
export class LlmModule {}
