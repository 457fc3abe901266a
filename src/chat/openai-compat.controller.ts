import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { disconnectSignal, sendSse } from '../http/sse';
import { ChatCompletionRequestDto, ModelListDto } from './dto/openai.dto';
import { OpenAiCompatService } from './openai-compat.service';

/**
 * An OpenAI-compatible face: each notebook the caller may chat with is a model
 * (`notebook:<id>`), so any OpenAI client library or chat UI can ask it questions with a Folio
 * API key as its key and Folio's `/v1` as its base URL.
 */
@ApiTags('openai-compatible')
@Controller('v1')
export class OpenAiCompatController {
  constructor(private readonly compat: OpenAiCompatService) {}

  @Get('models')
  @Authorize('chat', 'Notebook')
  @ApiOperation({ operationId: 'openaiListModels', summary: 'Notebooks the caller can chat with, as models' })
  @ApiOkResponse({ type: ModelListDto })
  models(@Auth() auth: Principal): Promise<ModelListDto> {
    return this.compat.models(auth);
  }

  @Post('chat/completions')
  @Authorize('chat', 'Notebook')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'openaiChatCompletions',
    summary:
      'Chat completion answered from the notebook named by `model`, with retrieval; `stream: true` for SSE chunks',
  })
  @ApiProduces('application/json', 'text/event-stream')
  @ApiOkResponse({ description: 'A chat.completion object, or chat.completion.chunk events ending with [DONE]' })
  @ApiErrors(400, 404, 502, 504)
  async completions(
    @Auth() auth: Principal,
    @Body() dto: ChatCompletionRequestDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const signal = disconnectSignal(req, res);
    if (dto.stream) {
      await sendSse(res, await this.compat.completionChunks(auth, dto, signal), signal);
    } else {
      res.status(200).json(await this.compat.completion(auth, dto, signal));
    }
  }
}
