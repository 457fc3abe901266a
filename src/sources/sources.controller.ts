import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Req } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { Consumes } from '../http/content-type.guard';
import {
  CreateTextSourceDto,
  ListSourcesQuery,
  SourceContentDto,
  SourceContentQuery,
  SourceDto,
  SourcePageDto,
  SourceParams,
  UploadedSourceDto,
  UploadResultDto,
} from './dto/source.dto';
import { SourcesService } from './sources.service';

@ApiTags('sources')
@Controller(`${API_V1}/notebooks/:id/sources`)
export class SourcesController {
  constructor(private readonly sources: SourcesService) {}

  @Post()
  @Authorize('create', 'Source')
  @ApiOperation({
    operationId: 'uploadSources',
    summary:
      'Upload files (multipart, field "files"); each is queued for ingestion. Same content again → duplicate: true',
  })
  @Consumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['files'],
      properties: { files: { type: 'array', items: { type: 'string', format: 'binary' } } },
    },
  })
  @ApiCreatedResponse({ type: UploadResultDto })
  @ApiErrors(400, 404, 413, 415)
  upload(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Req() req: Request,
  ): Promise<UploadResultDto> {
    return this.sources.upload(auth, id, req);
  }

  @Post('text')
  @Authorize('create', 'Source')
  @ApiOperation({ operationId: 'createTextSource', summary: 'Add pasted text as a source' })
  @ApiCreatedResponse({ type: UploadedSourceDto })
  @ApiErrors(400, 404, 413)
  createText(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: CreateTextSourceDto,
  ): Promise<UploadedSourceDto> {
    return this.sources.createText(auth, id, dto);
  }

  @Get()
  @Authorize('read', 'Source')
  @ApiOperation({ operationId: 'listSources', summary: "The notebook's sources with their ingestion status" })
  @ApiOkResponse({ type: SourcePageDto })
  @ApiErrors(400, 404)
  list(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Query() query: ListSourcesQuery,
  ): Promise<SourcePageDto> {
    return this.sources.list(auth, id, query);
  }

  @Get(':sourceId')
  @Authorize('read', 'Source')
  @ApiOperation({ operationId: 'getSource', summary: 'A source: metadata, status, progress, chunk count, error' })
  @ApiOkResponse({ type: SourceDto })
  @ApiErrors(400, 404)
  get(@Auth() auth: Principal, @Param() params: SourceParams): Promise<SourceDto> {
    return this.sources.get(auth, params.id, params.sourceId);
  }

  @Get(':sourceId/content')
  @Authorize('read', 'Source')
  @ApiOperation({ operationId: 'getSourceContent', summary: 'The text extracted from a source, by character ranges' })
  @ApiOkResponse({ type: SourceContentDto })
  @ApiErrors(400, 404, 409)
  content(
    @Auth() auth: Principal,
    @Param() params: SourceParams,
    @Query() query: SourceContentQuery,
  ): Promise<SourceContentDto> {
    return this.sources.content(auth, params.id, params.sourceId, query);
  }

  @Delete(':sourceId')
  @Authorize('delete', 'Source')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteSource', summary: 'Delete a source with all its chunks' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  remove(@Auth() auth: Principal, @Param() params: SourceParams): Promise<void> {
    return this.sources.remove(auth, params.id, params.sourceId);
  }

  @Post(':sourceId/reindex')
  @Authorize('update', 'Source')
  @HttpCode(202)
  @ApiOperation({ operationId: 'reindexSource', summary: 'Ingest a source again; its chunks are replaced atomically' })
  @ApiAcceptedResponse({ type: SourceDto })
  @ApiErrors(400, 404)
  reindex(@Auth() auth: Principal, @Param() params: SourceParams): Promise<SourceDto> {
    return this.sources.reindex(auth, params.id, params.sourceId);
  }
}
