import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AdminOnly, Auth } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ReqMeta, type RequestMeta } from '../http/request-meta';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { UserDto } from '../users/dto/user.dto';
import { AdminService } from './admin.service';
import {
  AssignRoleDto,
  AuditPageDto,
  AuditQuery,
  ListUsersQuery,
  RoleDto,
  UserPageDto,
  UserRoleParams,
} from './dto/admin.dto';

@ApiTags('admin')
@Controller(`${API_V1}/admin`)
export class AdminController {
  constructor(private readonly admin: AdminService) {}

  @Get('roles')
  @AdminOnly()
  @ApiOperation({ operationId: 'adminListRoles', summary: 'Roles and their permissions' })
  @ApiOkResponse({ type: [RoleDto] })
  listRoles(@Auth() auth: Principal): Promise<RoleDto[]> {
    return this.admin.listRoles(auth);
  }

  @Get('users')
  @AdminOnly()
  @ApiOperation({
    operationId: 'adminListUsers',
    summary: 'Users with roles and status; search by email, cursor pagination',
  })
  @ApiOkResponse({ type: UserPageDto })
  @ApiErrors(400)
  listUsers(@Auth() auth: Principal, @Query() query: ListUsersQuery): Promise<UserPageDto> {
    return this.admin.listUsers(auth, query);
  }

  @Post('users/:id/role')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({ operationId: 'adminAddRole', summary: 'Give a user a role' })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 404)
  addRole(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() dto: AssignRoleDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserDto> {
    return this.admin.addRole(auth, id, dto.role, meta);
  }

  @Delete('users/:id/role/:role')
  @AdminOnly()
  @ApiOperation({
    operationId: 'adminRemoveRole',
    summary: 'Take a role from a user (never their last, never the last admin)',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 404, 409)
  removeRole(@Auth() auth: Principal, @Param() params: UserRoleParams, @ReqMeta() meta: RequestMeta): Promise<UserDto> {
    return this.admin.removeRole(auth, params.id, params.role, meta);
  }

  @Post('users/:id/deactivate')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'adminDeactivateUser',
    summary: 'Deactivate a user: every session and API key dies at once',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 404, 409)
  deactivate(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserDto> {
    return this.admin.deactivate(auth, id, meta);
  }

  @Post('users/:id/reactivate')
  @AdminOnly()
  @HttpCode(200)
  @ApiOperation({
    operationId: 'adminReactivateUser',
    summary: 'Reactivate a user (they log in again; old keys stay revoked)',
  })
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400, 404)
  reactivate(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @ReqMeta() meta: RequestMeta,
  ): Promise<UserDto> {
    return this.admin.reactivate(auth, id, meta);
  }

  @Get('audit')
  @AdminOnly()
  @ApiOperation({ operationId: 'adminAuditLog', summary: 'The audit log, newest first; filter by actor, action, time' })
  @ApiOkResponse({ type: AuditPageDto })
  @ApiErrors(400)
  listAudit(@Auth() auth: Principal, @Query() query: AuditQuery): Promise<AuditPageDto> {
    return this.admin.listAudit(auth, query);
  }
}
