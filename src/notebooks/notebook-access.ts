import { ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { subject } from '@casl/ability';
import { type Action } from '../access/permissions';
import { type Principal } from '../access/principal';
import { type AccessLevel } from './dto/notebook.dto';
import { type NotebookRow } from './notebook-row';
import { NotebooksRepository } from './notebooks.repository';

export interface NotebookAccess {
  notebook: NotebookRow;
  /** What the caller is here: administrators act as owners. */
  level: AccessLevel;
}

export const NOTEBOOK_NOT_FOUND = 'Notebook not found';

/**
 * The one place that decides what a caller may do with a notebook and its sources. A notebook the
 * caller may not read answers 404 — exactly as if it did not exist — so ids leak nothing; one
 * they may read but not change answers 403. The CASL ability decides, from the caller's roles,
 * their API-key scopes and notebook limit, and the fields of this notebook (owner, grant).
 */
@Injectable()
export class NotebookAccessService {
  constructor(private readonly notebooks: NotebooksRepository) {}

  async require(
    auth: Principal,
    notebookId: string,
    action: Action,
    options: { deleted?: boolean } = {},
  ): Promise<NotebookAccess> {
    const notebook = await this.notebooks.findForCaller(notebookId, auth.userId);
    if (!notebook || Boolean(notebook.deleted_at) !== Boolean(options.deleted))
      throw new NotFoundException(NOTEBOOK_NOT_FOUND);
    const fields = { id: notebook.id, ownerId: notebook.owner_id, grant: notebook.grant };
    if (!auth.ability.can('read', subject('Notebook', fields))) throw new NotFoundException(NOTEBOOK_NOT_FOUND);
    if (action !== 'read' && !auth.ability.can(action, subject('Notebook', fields))) {
      throw new ForbiddenException(`You may not ${action} this notebook`);
    }
    return { notebook, level: levelOf(auth, notebook) };
  }

  /**
   * Several notebooks at once (multi-notebook chat and query), in one query. Each must be visible
   * (404 otherwise, naming nothing) and allow `action` (403). A caller who may chat with a
   * notebook may see it for that purpose even without `read` (a chat-only API key).
   */
  async requireMany(auth: Principal, notebookIds: readonly string[], action: 'read' | 'chat'): Promise<NotebookRow[]> {
    const ids = [...new Set(notebookIds)];
    const rows = await this.notebooks.findManyForCaller(ids, auth.userId);
    const byId = new Map(rows.map((row) => [row.id, row]));
    let forbidden = false;
    const result = ids.map((id) => {
      const notebook = byId.get(id);
      if (!notebook || notebook.deleted_at) throw new NotFoundException(NOTEBOOK_NOT_FOUND);
      const fields = subject('Notebook', { id: notebook.id, ownerId: notebook.owner_id, grant: notebook.grant });
      const allowed = auth.ability.can(action, fields);
      if (!allowed && !auth.ability.can('read', fields)) throw new NotFoundException(NOTEBOOK_NOT_FOUND);
      if (!allowed) forbidden = true;
      return notebook;
    });
    if (forbidden) throw new ForbiddenException(`You may not ${action} with every one of these notebooks`);
    return result;
  }

  /** For source routes: the notebook must be visible, and the action allowed on its sources. */
  async requireForSources(auth: Principal, notebookId: string, action: Action): Promise<NotebookAccess> {
    const access = await this.require(auth, notebookId, 'read');
    const { notebook } = access;
    const fields = { notebookId: notebook.id, notebookOwnerId: notebook.owner_id, notebookGrant: notebook.grant };
    if (!auth.ability.can(action, subject('Source', fields))) {
      if (action === 'read') throw new NotFoundException(NOTEBOOK_NOT_FOUND);
      throw new ForbiddenException(`You may not ${action} sources in this notebook`);
    }
    return access;
  }
}

export function levelOf(auth: Principal, notebook: NotebookRow): AccessLevel {
  if (notebook.owner_id === auth.userId || auth.roles.includes('admin')) return 'owner';
  return notebook.grant ?? 'viewer';
}
