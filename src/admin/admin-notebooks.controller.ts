import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, Auth } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ReqMeta, type RequestMeta } from '../http/request-meta';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { AdminCreateNotebookDto, GrantAccessDto, NotebookDto, NotebookGrantDto } from '../notebooks/dto/notebook.dto';
import { NotebooksService } from '../notebooks/notebooks.service';

/** Notebook administration: create for any user and manage anyone's sharing. Every change is audited. */
@ApiTags('admin')
@Controller(`${API_V1}/admin/notebooks`)
export class AdminNotebooksController {
  constructor(private readonly notebooks: NotebooksService) {}

  @Post()
  @AdminOnly()
  @ApiOperation({ operationId: 'adminCreateNotebook', summary: 'Create a notebook owned by any user' })
  @ApiCreatedResponse({ type: NotebookDto })
  @ApiErrors(400, 404)
  create(
    @Auth() auth: Principal,
    @Body() dto: AdminCreateNotebookDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<NotebookDto> {
    return this.notebooks.adminCreate(auth, dto, meta);
  }

  @Get(':id/access')
  @AdminOnly()
  @ApiOperation({ operationId: 'adminListNotebookAccess', summary: "Any notebook's owner and grants" })
  @ApiOkResponse({ type: [NotebookGrantDto] })
  @ApiErrors(400, 404)
  listAccess(@Auth() auth: Principal, @Param('id', new ParseUUIDPipe()) id: string): Promise<NotebookGrantDto[]> {
    return this.notebooks.listAccess(auth, id);
  }

  @Post(':id/access')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({ operationId: 'adminGrantNotebookAccess', summary: 'Grant a user access to any notebook' })
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
  @AdminOnly()
  @HttpCode(204)
  @ApiOperation({ operationId: 'adminRevokeNotebookAccess', summary: "Revoke a user's access to any notebook" })
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
