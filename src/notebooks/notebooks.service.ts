import { readPage } from '../http/pagination';
import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { UnitOfWork } from '../database/unit-of-work';
import { notebookLimit, type Principal } from '../access/principal';
import { AuditService } from '../audit/audit.service';
import { type RequestMeta } from '../http/request-meta';
import { type AppConfig } from '../config/app-config';
import { InjectConfig } from '../config/config.module';
import { patchOf } from '../http/validation';
import { UsersService } from '../users/users.service';
import {
  type AdminCreateNotebookDto,
  type CreateNotebookDto,
  type GrantAccessDto,
  type ListNotebooksQuery,
  type NotebookDto,
  type NotebookGrantDto,
  type NotebookPageDto,
  type UpdateNotebookDto,
} from './dto/notebook.dto';
import { levelOf, NOTEBOOK_NOT_FOUND, NotebookAccessService } from './notebook-access';
import { type NotebookRow } from './notebook-row';
import { NotebooksRepository } from './notebooks.repository';

const DAY_MS = 86_400_000;

@Injectable()
export class NotebooksService {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly notebooks: NotebooksRepository,
    private readonly access: NotebookAccessService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  async create(auth: Principal, dto: CreateNotebookDto): Promise<NotebookDto> {
    return this.createFor(auth, auth.userId, dto);
  }

  async list(auth: Principal, query: ListNotebooksQuery): Promise<NotebookPageDto> {
    return readPage(
      query.limit ?? 20,
      (take) =>
        this.notebooks.listForCaller(auth.userId, {
          search: query.search,
          before: query.cursor,
          limit: take,
          onlyIds: notebookLimit(auth),
        }),
      (row) => toNotebookDto(auth, row),
    );
  }

  async get(auth: Principal, id: string): Promise<NotebookDto> {
    const { notebook } = await this.access.require(auth, id, 'read');
    return toNotebookDto(auth, notebook);
  }

  async update(auth: Principal, id: string, dto: UpdateNotebookDto): Promise<NotebookDto> {
    const { notebook } = await this.access.require(auth, id, 'update');
    const changes = patchOf(dto, ['name', 'description']);
    if (Object.keys(changes).length === 0) return toNotebookDto(auth, notebook);
    await this.notebooks.update(id, changes);
    return this.get(auth, id);
  }

  /** Moves the notebook to the trash; it can be restored for NOTEBOOK_RETENTION_DAYS. */
  async remove(auth: Principal, id: string): Promise<void> {
    await this.access.require(auth, id, 'delete');
    await this.notebooks.setDeleted(id, true);
  }

  async restore(auth: Principal, id: string): Promise<NotebookDto> {
    const { notebook } = await this.access.require(auth, id, 'delete', { deleted: true });
    if (Date.parse(notebook.deleted_at!) < Date.now() - this.config.notebooks.retentionDays * DAY_MS) {
      throw new NotFoundException(NOTEBOOK_NOT_FOUND);
    }
    await this.notebooks.setDeleted(id, false);
    return this.get(auth, id);
  }

  async listAccess(auth: Principal, id: string): Promise<NotebookGrantDto[]> {
    const { notebook } = await this.access.require(auth, id, 'share');
    const owner = await this.users.findProfile(notebook.owner_id);
    const grants = await this.notebooks.grants(id);
    return [
      { userId: notebook.owner_id, email: owner?.email ?? '', level: 'owner', grantedAt: null },
      ...grants.map((g) => ({
        userId: g.user_id,
        email: g.email,
        level: g.level,
        grantedAt: new Date(g.created_at).toISOString(),
      })),
    ];
  }

  async grant(auth: Principal, id: string, dto: GrantAccessDto, meta: RequestMeta): Promise<NotebookGrantDto[]> {
    const { notebook } = await this.access.require(auth, id, 'share');
    const target = dto.userId ? await this.users.findProfile(dto.userId) : await this.users.findByEmail(dto.email!);
    if (!target || target.deactivatedAt) throw new NotFoundException('User not found');
    if (target.id === notebook.owner_id) throw new BadRequestException('The owner already has full access');
    await this.uow.transaction(async () => {
      await this.notebooks.upsertGrant({
        notebookId: id,
        userId: target.id,
        level: dto.level,
        grantedBy: auth.userId,
      });
      await this.audit.record(
        {
          action: 'notebook.access.granted',
          actorId: auth.userId,
          targetType: 'Notebook',
          targetId: id,
          details: { userId: target.id, level: dto.level },
        },
        meta,
      );
    });
    return this.listAccess(auth, id);
  }

  /** Revocation takes effect on the grantee's very next request: access is checked on every one. */
  async revoke(auth: Principal, id: string, userId: string, meta: RequestMeta): Promise<void> {
    await this.access.require(auth, id, 'share');
    await this.uow.transaction(async () => {
      if (!(await this.notebooks.deleteGrant(id, userId)))
        throw new NotFoundException('That user has no access to revoke');
      await this.audit.record(
        {
          action: 'notebook.access.revoked',
          actorId: auth.userId,
          targetType: 'Notebook',
          targetId: id,
          details: { userId },
        },
        meta,
      );
    });
  }

  /** Administrators create notebooks for any user. */
  async adminCreate(auth: Principal, dto: AdminCreateNotebookDto, meta: RequestMeta): Promise<NotebookDto> {
    const owner = dto.ownerId
      ? await this.users.findProfile(dto.ownerId)
      : await this.users.findByEmail(dto.ownerEmail!);
    if (!owner) throw new NotFoundException('Owner not found');
    const created = await this.createFor(auth, owner.id, dto);
    await this.audit.record(
      {
        action: 'notebook.created-for-user',
        actorId: auth.userId,
        targetType: 'Notebook',
        targetId: created.id,
        details: { ownerId: owner.id },
      },
      meta,
    );
    return created;
  }

  /** Purges notebooks (with sources, chunks and grants) that have been in the trash past retention. */
  async purgeExpired(): Promise<{ notebooks: number; storageKeys: string[] }> {
    const expired = await this.notebooks.findExpired(
      new Date(Date.now() - this.config.notebooks.retentionDays * DAY_MS),
      500,
    );
    const purged = await this.notebooks.hardDelete(expired.map((n) => n.id));
    return { notebooks: purged, storageKeys: expired.flatMap((n) => n.storage_keys) };
  }

  private async createFor(auth: Principal, ownerId: string, dto: CreateNotebookDto): Promise<NotebookDto> {
    // A notebook-limited key could not reach what it creates: refused before anything is written.
    if (notebookLimit(auth))
      throw new ForbiddenException('This API key is limited to its notebooks and cannot create one');
    const notebook = await this.notebooks.create({ ownerId, name: dto.name, description: dto.description });
    return this.get(auth, notebook.id);
  }
}

export function toNotebookDto(auth: Principal, row: NotebookRow): NotebookDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    ownerId: row.owner_id,
    access: levelOf(auth, row),
    sourceCount: row.source_count,
    chunkCount: row.chunk_count,
    createdAt: new Date(row.created_at).toISOString(),
    lastUpdatedAt: new Date(row.last_updated_at).toISOString(),
    deletedAt: row.deleted_at ? new Date(row.deleted_at).toISOString() : null,
  };
}
