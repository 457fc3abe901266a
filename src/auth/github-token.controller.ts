import { Body, Controller, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Auth, Authorize } from '../access/policy.decorator';
import { type Principal } from '../access/principal';
import { ReqMeta, type RequestMeta } from '../http/request-meta';
import { API_V1 } from '../http/api';
import { ApiErrors } from '../http/api-errors.decorator';
import { PutGithubTokenDto, SecretStatusDto } from '../secrets/dto/secret.dto';
import { SecretsService } from '../secrets/secrets.service';

@ApiTags('secrets')
@Controller(`${API_V1}/auth/github-token`)
export class GithubTokenController {
  constructor(private readonly secrets: SecretsService) {}

  @Put()
  @Authorize('update', 'Secret', { sessionOnly: true })
  @ApiOperation({ operationId: 'putGithubToken', summary: 'Store (encrypted) a GitHub token for git ingestion' })
  @ApiOkResponse({ type: SecretStatusDto })
  @ApiErrors(400)
  put(@Auth() auth: Principal, @Body() dto: PutGithubTokenDto, @ReqMeta() meta: RequestMeta): Promise<SecretStatusDto> {
    return this.secrets.put(auth, 'github-token', dto.token, meta);
  }

  @Get()
  @Authorize('read', 'Secret')
  @ApiOperation({ operationId: 'getGithubToken', summary: 'Whether a GitHub token is set (never the token)' })
  @ApiOkResponse({ type: SecretStatusDto })
  get(@Auth() auth: Principal): Promise<SecretStatusDto> {
    return this.secrets.status(auth, 'github-token');
  }

  @Delete()
  @Authorize('delete', 'Secret', { sessionOnly: true })
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteGithubToken', summary: 'Delete the stored GitHub token' })
  @ApiNoContentResponse({ description: 'Deleted (or there was none)' })
  remove(@Auth() auth: Principal, @ReqMeta() meta: RequestMeta): Promise<void> {
    return this.secrets.remove(auth, 'github-token', meta);
  }
}
