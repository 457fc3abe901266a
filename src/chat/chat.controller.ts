import { Body, Controller, Delete, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { disconnectSignal, sendSse } from '../http/sse';
import { ChatSessionsService } from './chat-sessions.service';
import { type ChatEvent, ChatService } from './chat.service';
import {
  ChatRequestDto,
  ChatResponseDto,
  DeleteHistoryQuery,
  HistoryPageDto,
  HistoryQuery,
  SessionsPageDto,
  SessionsQuery,
} from './dto/chat.dto';

@ApiTags('chat')
@Controller('api/v2/chat')
export class ChatController {
  constructor(
    private readonly chat: ChatService,
    private readonly chatSessions: ChatSessionsService,
  ) {}

  @Post()
  @Authorize('chat', 'Notebook')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'chat',
    summary: 'Ask one or several notebooks; answers cite their sources and the session remembers',
  })
  @ApiOkResponse({ type: ChatResponseDto })
  @ApiErrors(400, 404, 502, 504)
  answer(
    @Auth() auth: Principal,
    @Body() dto: ChatRequestDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ChatResponseDto> {
    return this.chat.chat(auth, dto, disconnectSignal(req, res));
  }

  @Post('stream')
  @Authorize('chat', 'Notebook')
  @ApiOperation({
    operationId: 'chatStream',
    summary: 'The same as a Server-Sent Events stream: `sources`, then `token` deltas, then `done` (or `error`)',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'event: sources | token | done | error; data: JSON' })
  @ApiErrors(400, 404)
  async stream(
    @Auth() auth: Principal,
    @Body() dto: ChatRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const signal = disconnectSignal(req, res);
    await sendSse(res, withRequestId(await this.chat.chatStream(auth, dto, signal), req), signal);
  }

  @Get('history')
  @Authorize('chat', 'Notebook')
  @ApiOperation({ operationId: 'chatHistory', summary: "A session's messages, newest page first (cursor for older)" })
  @ApiOkResponse({ type: HistoryPageDto })
  @ApiErrors(400, 404)
  history(@Auth() auth: Principal, @Query() query: HistoryQuery): Promise<HistoryPageDto> {
    return this.chatSessions.history(auth, query);
  }

  @Delete('history')
  @Authorize('chat', 'Notebook')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteChatHistory', summary: 'Deletes a session and all its messages' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  async deleteHistory(@Auth() auth: Principal, @Query() query: DeleteHistoryQuery): Promise<void> {
    await this.chatSessions.deleteHistory(auth, query);
  }

  @Get('sessions')
  @Authorize('chat', 'Notebook')
  @ApiOperation({
    operationId: 'chatSessions',
    summary: "The caller's sessions, newest first, titled from the first question",
  })
  @ApiOkResponse({ type: SessionsPageDto })
  @ApiErrors(400, 404)
  sessions(@Auth() auth: Principal, @Query() query: SessionsQuery): Promise<SessionsPageDto> {
    return this.chatSessions.list(auth, query);
  }
}

/** An `error` event carries the one error shape, request id included, like any error response. */
async function* withRequestId(events: AsyncIterable<ChatEvent>, req: Request): AsyncGenerator<ChatEvent> {
  for await (const event of events) {
    yield event.event === 'error'
      ? { event: 'error', data: { ...event.data, requestId: typeof req.id === 'string' ? req.id : '' } }
      : event;
  }
}
