import { Body, Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { disconnectSignal } from '../http/sse';
import { QueryService } from './query.service';
import { QueryRequestDto, QueryResponseDto } from './dto/chat.dto';

@ApiTags('chat')
@Controller(`${API_V1}/query`)
export class QueryController {
  constructor(private readonly queries: QueryService) {}

  @Post()
  @Authorize('chat', 'Notebook')
  @HttpCode(200)
  @ApiOperation({ operationId: 'query', summary: 'One question over notebooks, answered with citations; no session' })
  @ApiOkResponse({ type: QueryResponseDto })
  @ApiErrors(400, 404, 502, 504)
  query(
    @Auth() auth: Principal,
    @Body() dto: QueryRequestDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<QueryResponseDto> {
    return this.queries.query(auth, dto, disconnectSignal(req, res));
  }
}
