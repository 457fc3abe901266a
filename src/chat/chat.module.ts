import { Module } from '@nestjs/common';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { RetrievalModule } from '../retrieval/retrieval.module';
import { ChatController } from './chat.controller';
import { ChatRepository } from './chat.repository';
import { ChatService } from './chat.service';
import { OpenAiCompatController } from './openai-compat.controller';
import { OpenAiCompatService } from './openai-compat.service';
import { QueryController } from './query.controller';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ChatMessage, ChatSession } from './chat-session.entity';

@Module({
  imports: [MikroOrmModule.forFeature([ChatSession, ChatMessage]), NotebooksModule, RetrievalModule],
  controllers: [ChatController, QueryController, OpenAiCompatController],
  providers: [ChatRepository, ChatService, OpenAiCompatService],
})
export class ChatModule {}
