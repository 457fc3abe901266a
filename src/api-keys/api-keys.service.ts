import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { subject } from '@casl/ability';
import { EntityManager } from '@mikro-orm/postgresql';
import { isAdmin, type Principal } from '../access/principal';
import { AuditService, type RequestMeta } from '../audit/audit.service';
import { randomToken, sha256 } from '../crypto/tokens';
import { NotebookAccessService } from '../notebooks/notebook-access';
import { ApiKey } from './api-key.entity';
import { API_KEY_PREFIX, displayPrefix } from './api-key.format';
import { type ApiKeyDto, type CreateApiKeyDto, type CreatedApiKeyDto, toApiKeyDto } from './dto/api-key.dto';

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly em: EntityManager,
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
    return this.em.fork().transactional(async (em) => {
      const entity = em.create(ApiKey, {
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
        em,
      );
      await em.flush();
      return { ...toApiKeyDto(entity), key };
    });
  }

  /** The caller's live keys (revoked ones are gone from the list). */
  async list(auth: Principal): Promise<ApiKeyDto[]> {
    const keys = await this.em
      .fork()
      .find(ApiKey, { userId: auth.userId, revokedAt: null }, { orderBy: { id: 'desc' } });
    return keys.map(toApiKeyDto);
  }

  async revoke(auth: Principal, id: string, meta: RequestMeta): Promise<void> {
    const em = this.em.fork();
    const key = await em.findOne(ApiKey, { id, revokedAt: null });
    // Someone else's key answers exactly like a key that does not exist.
    if (!key || !auth.ability.can('delete', subject('ApiKey', { userId: key.userId }))) {
      throw new NotFoundException('API key not found');
    }
    key.revokedAt = new Date();
    await this.audit.record(
      { action: 'apikey.revoked', actorId: auth.userId, targetType: 'ApiKey', targetId: key.id },
      meta,
      em,
    );
    await em.flush();
  }

  /** Revokes every key of a user at once (deactivation). */
  async revokeAllForUser(em: EntityManager, userId: string): Promise<number> {
    return em.nativeUpdate(ApiKey, { userId, revokedAt: null }, { revokedAt: new Date() });
  }
}
