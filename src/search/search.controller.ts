import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { SearchDto, SearchResultDto } from '../retrieval/dto/search.dto';
import { RetrievalService } from '../retrieval/retrieval.service';

@ApiTags('search')
@Controller(`${API_V1}/notebooks/:id/search`)
export class SearchController {
  constructor(private readonly retrieval: RetrievalService) {}

  @Post()
  @Authorize('read', 'Notebook')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'searchNotebook',
    summary: 'The chunks of a notebook nearest to a query (text, source, position, score)',
  })
  @ApiOkResponse({ type: SearchResultDto })
  @ApiErrors(400, 404)
  search(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: SearchDto,
  ): Promise<SearchResultDto> {
    return this.retrieval.search(auth, id, dto);
  }
}
