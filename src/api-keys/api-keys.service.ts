import { BadRequestException, ForbiddenException, Injectable } from '@nestjs/common';
import { can, loadEach, requireAccess, type ResourceKind } from '../access/resource-access';
import { UnitOfWork } from '../database/unit-of-work';
import { isAdmin, type Principal } from '../access/principal';
import { AuditService } from '../audit/audit.service';
import { type RequestMeta } from '../http/request-meta';
import { randomToken, sha256 } from '../crypto/tokens';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { type ApiKey } from './api-key.entity';
import { ApiKeysRepository } from './api-keys.repository';
import { API_KEY_PREFIX, displayPrefix } from './api-key.format';
import { type ApiKeyDto, type CreateApiKeyDto, type CreatedApiKeyDto, toApiKeyDto } from './dto/api-key.dto';

@Injectable()
export class ApiKeysService {
  /** Keys for `requireAccess`: someone else's key answers exactly like a key that does not exist. */
  private readonly keys: ResourceKind<ApiKey> = {
    notFound: 'API key not found',
    load: loadEach((_auth, id) => this.repository.findLive(id)),
    id: (key) => key.id,
    visible: (auth, key, action) => can(auth, action, 'ApiKey', { userId: key.userId }),
    allows: () => true,
    forbidden: () => null,
  };

  constructor(
    private readonly uow: UnitOfWork,
    private readonly repository: ApiKeysRepository,
    private readonly audit: AuditService,
    private readonly notebooks: NotebookAccessService,
  ) {}

  /** Creates a key for the caller. The key is returned once; only its hash is stored. */
  async create(auth: Principal, dto: CreateApiKeyDto, meta: RequestMeta): Promise<CreatedApiKeyDto> {
    if (dto.scopes.includes('admin') && !isAdmin(auth)) {
      throw new ForbiddenException('Only administrators can create keys with the admin scope');
    }
    if (dto.expiresAt && dto.expiresAt.getTime() <= Date.now()) {
      throw new BadRequestException('expiresAt must be in the future');
    }
    // A notebook the caller cannot see answers 404 here too, as every foreign id does.
    if (dto.notebookIds) await this.notebooks.requireMany(auth, dto.notebookIds, 'read');
    const key = randomToken(API_KEY_PREFIX);
    return this.uow.transaction(async () => {
      const entity = await this.repository.create({
        userId: auth.userId,
        name: dto.name,
        prefix: displayPrefix(key),
        keyHash: sha256(key),
        scopes: dto.scopes,
        notebookIds: dto.notebookIds ?? null,
        expiresAt: dto.expiresAt ?? null,
      });
      await this.audit.record(
        {
          action: 'apikey.created',
          actorId: auth.userId,
          targetType: 'ApiKey',
          targetId: entity.id,
          details: { name: dto.name, scopes: dto.scopes, notebookIds: dto.notebookIds ?? null, prefix: entity.prefix },
        },
        meta,
      );
      return { ...toApiKeyDto(entity), key };
    });
  }

  /** The caller's live keys (revoked ones are gone from the list). */
  async list(auth: Principal): Promise<ApiKeyDto[]> {
    return (await this.repository.listLive(auth.userId)).map(toApiKeyDto);
  }

  async revoke(auth: Principal, id: string, meta: RequestMeta): Promise<void> {
    const [key] = await requireAccess(auth, 'delete', [id], this.keys);
    await this.uow.transaction(async () => {
      await this.repository.revoke(key.id);
      await this.audit.record(
        { action: 'apikey.revoked', actorId: auth.userId, targetType: 'ApiKey', targetId: key.id },
        meta,
      );
    });
  }

  /** Revokes every key of a user at once (deactivation), in the caller's unit of work if one is open. */
  revokeAllForUser(userId: string): Promise<number> {
    return this.repository.revokeAllForUser(userId);
  }
}
