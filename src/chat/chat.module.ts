import { Module } from '@nestjs/common';
import { NotebooksModule } from '../notebooks/notebooks.module';
import { RetrievalModule } from '../retrieval/retrieval.module';
import { ChatController } from './chat.controller';
import { ChatRepository } from './chat.repository';
import { Answerer } from './answerer';
import { ChatOutcomes } from './chat-outcomes';
import { ChatSessionsService } from './chat-sessions.service';
import { ChatService } from './chat.service';
import { OpenAiCompatController } from './openai-compat.controller';
import { OpenAiCompatService } from './openai-compat.service';
import { QueryController } from './query.controller';
import { QueryService } from './query.service';
import { MikroOrmModule } from '@mikro-orm/nestjs';
import { ChatMessage, ChatSession } from './chat-session.entity';

@Module({
  imports: [MikroOrmModule.forFeature([ChatSession, ChatMessage]), NotebooksModule, RetrievalModule],
  controllers: [ChatController, QueryController, OpenAiCompatController],
  providers: [
    ChatRepository,
    Answerer,
    ChatOutcomes,
    ChatSessionsService,
    ChatService,
    QueryService,
    OpenAiCompatService,
  ],
})
export class ChatModule {}
