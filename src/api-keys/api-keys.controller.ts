import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ReqMeta, type RequestMeta } from '../http/request-meta';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto } from './dto/api-key.dto';

@ApiTags('api-keys')
@Controller(`${API_V1}/auth/api-keys`)
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @Authorize('create', 'ApiKey', { sessionOnly: true })
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create a personal API key (shown once)' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400)
  create(
    @Auth() auth: Principal,
    @Body() dto: CreateApiKeyDto,
    @ReqMeta() meta: RequestMeta,
  ): Promise<CreatedApiKeyDto> {
    return this.keys.create(auth, dto, meta);
  }

  @Get()
  @Authorize('read', 'ApiKey')
  @ApiOperation({
    operationId: 'listApiKeys',
    summary: 'List your API keys: name, prefix, scopes, created, last used, expiry',
  })
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@Auth() auth: Principal): Promise<ApiKeyDto[]> {
    return this.keys.list(auth);
  }

  @Delete(':id')
  @Authorize('delete', 'ApiKey', { sessionOnly: true })
  @HttpCode(204)
  @ApiOperation({ operationId: 'revokeApiKey', summary: 'Revoke an API key; it stops working at once' })
  @ApiNoContentResponse({ description: 'Revoked' })
  @ApiErrors(400, 404)
  revoke(
    @Auth() auth: Principal,
    @Param('id', new ParseUUIDPipe()) id: string,
    @ReqMeta() meta: RequestMeta,
  ): Promise<void> {
    return this.keys.revoke(auth, id, meta);
  }
}
