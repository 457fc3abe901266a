import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ReqMeta, type RequestMeta } from '../http/request-meta';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import {
  CreateNotebookDto,
  GrantAccessDto,
  ListNotebooksQuery,
  NotebookDto,
  NotebookGrantDto,
  NotebookPageDto,
  UpdateNotebookDto,
} from './dto/notebook.dto';
import { NotebooksService } from './notebooks.service';

@ApiTags('notebooks')
@Controller(`${API_V1}/notebooks`)
export class NotebooksController {
  constructor(private readonly notebooks: NotebooksService) {}

  @Post()
  @Authorize('create', 'Notebook')
  @ApiOperation({ operationId: 'createNotebook', summary: 'Create a notebook' })
  @ApiCreatedResponse({ type: NotebookDto })
  @ApiErrors(400)
  create(@Auth() auth: Principal, @Body() dto: CreateNotebookDto): Promise<NotebookDto> {
    return this.notebooks.create(auth, dto);
  }

  @Get()
  @Authorize('read', 'Notebook')
  @ApiOperation({
    operationId: 'listNotebooks',
    summary: 'Your own and shared notebooks, with source and chunk counts',
  })
  @ApiOkResponse({ type: NotebookPageDto })
  @ApiErrors(400)
  list(@Auth() auth: Principal, @Query() query: ListNotebooksQuery): Promise<NotebookPageDto> {
    return this.notebooks.list(auth, query);
  }

  @Get(':id')
  @Authorize('read', 'Notebook')
  @ApiOperation({ operationId: 'getNotebook', summary: 'One notebook' })
  @ApiOkResponse({ type: NotebookDto })
  @ApiErrors(400, 404)
  get(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<NotebookDto> {
    return this.notebooks.get(auth, id);
  }

  @Patch(':id')
  @Authorize('update', 'Notebook')
  @ApiOperation({ operationId: 'updateNotebook', summary: 'Rename or describe a notebook' })
  @ApiOkResponse({ type: NotebookDto })
  @ApiErrors(400, 404)
  update(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: UpdateNotebookDto,
  ): Promise<NotebookDto> {
    return this.notebooks.update(auth, id, dto);
  }

  @Delete(':id')
  @Authorize('delete', 'Notebook')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'deleteNotebook',
    summary: 'Move a notebook to the trash (restorable for NOTEBOOK_RETENTION_DAYS)',
  })
  @ApiNoContentResponse({ description: 'In the trash' })
  @ApiErrors(400, 404)
  remove(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.notebooks.remove(auth, id);
  }

  @Post(':id/restore')
  @Authorize('delete', 'Notebook')
  @HttpCode(200)
  @ApiOperation({ operationId: 'restoreNotebook', summary: 'Bring a notebook back from the trash' })
  @ApiOkResponse({ type: NotebookDto })
  @ApiErrors(400, 404)
  restore(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<NotebookDto> {
    return this.notebooks.restore(auth, id);
  }

  @Get(':id/access')
  @Authorize('share', 'Notebook')
  @ApiOperation({ operationId: 'listNotebookAccess', summary: 'Who can use this notebook, and how' })
  @ApiOkResponse({ type: [NotebookGrantDto] })
  @ApiErrors(400, 404)
  listAccess(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<NotebookGrantDto[]> {
    return this.notebooks.listAccess(auth, id);
  }

  @Post(':id/access')
  @Authorize('share', 'Notebook')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'grantNotebookAccess',
    summary: 'Share with a user as viewer (read, search, chat) or editor (+ sources)',
  })
  @ApiOkResponse({ type: [NotebookGrantDto] })
  @ApiErrors(400, 404)
  grant(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: GrantAccessDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<NotebookGrantDto[]> {
    return this.notebooks.grant(auth, id, dto, meta);
  }

  @Delete(':id/access/:userId')
  @Authorize('share', 'Notebook')
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeNotebookAccess', summary: "Revoke a user's access (effective at once)" })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400, 404)
  revoke(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Param('userId', new ParseUUIDPipe()) userId: string,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.notebooks.revoke(auth, id, userId, meta);
  }
}
