import { BadRequestException, Injectable } from '@nestjs/common';
import { type Principal } from '../access/principal';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { Answerer } from './answerer';
import { ChatOutcomes } from './chat-outcomes';
import { requestedNotebooks, toQueryResponse } from './conversation';
import { type QueryRequestDto, type QueryResponseDto } from './dto/chat.dto';

/** One question over notebooks, answered with citations; nothing is stored (POST /api/v1/query). */
@Injectable()
export class QueryService {
  constructor(
    private readonly access: NotebookAccessService,
    private readonly answerer: Answerer,
    private readonly outcomes: ChatOutcomes,
  ) {}

  async query(auth: Principal, dto: QueryRequestDto, signal?: AbortSignal): Promise<QueryResponseDto> {
    return this.outcomes.observe('query', async () => {
      const requested = requestedNotebooks(dto);
      if (requested.length === 0) throw new BadRequestException('Send notebook_id or notebook_ids');
      const notebooks = await this.access.requireMany(auth, requested, 'chat');
      const answer = await this.answerer.answer(
        { notebooks, question: dto.query, history: [], k: dto.k, sourceIds: dto.source_ids },
        signal,
      );
      return toQueryResponse(answer);
    });
  }
}
