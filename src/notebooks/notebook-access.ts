import { Injectable } from '@nestjs/common';
import { type Action } from '../access/permissions';
import { type Principal } from '../access/principal';
import { can, requireAccess, type ResourceKind } from '../access/resource-access';
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
 * The one place that decides what a caller may do with a notebook and its sources, by the one
 * set-based rule (`requireAccess`): a notebook the caller may not read answers 404 — exactly as
 * if it did not exist — so ids leak nothing; one they may read but not change answers 403. The
 * CASL ability decides, from the caller's roles, their API-key scopes and notebook limit, and the
 * fields of this notebook (owner, grant).
 */
@Injectable()
export class NotebookAccessService {
  /** One notebook, live (or, with `deleted`, in the trash): visible if readable. */
  private readonly one: ResourceKind<NotebookRow>;
  private readonly trashed: ResourceKind<NotebookRow>;
  /**
   * Several notebooks at once (multi-notebook chat and query). A caller who may chat with a
   * notebook may see it for that purpose even without `read` (a chat-only API key).
   */
  private readonly many: ResourceKind<NotebookRow>;
  /** A notebook's sources: the notebook must be visible, and the action allowed on its sources. */
  private readonly sources: ResourceKind<NotebookRow>;

  constructor(private readonly notebooks: NotebooksRepository) {
    const load = (auth: Principal, ids: readonly string[]): Promise<NotebookRow[]> =>
      ids.length === 1
        ? this.notebooks.findForCaller(ids[0], auth.userId).then((row) => (row ? [row] : []))
        : this.notebooks.findManyForCaller(ids, auth.userId);
    const base = { notFound: NOTEBOOK_NOT_FOUND, load, id: (row: NotebookRow) => row.id };
    const kind = (deleted: boolean): ResourceKind<NotebookRow> => ({
      ...base,
      visible: (auth, row) => Boolean(row.deleted_at) === deleted && can(auth, 'read', 'Notebook', fields(row)),
      allows: (auth, row, action) => action === 'read' || can(auth, action, 'Notebook', fields(row)),
      forbidden: (action) => `You may not ${action} this notebook`,
    });
    this.one = kind(false);
    this.trashed = kind(true);
    this.many = {
      ...base,
      visible: (auth, row, action) =>
        !row.deleted_at && (can(auth, action, 'Notebook', fields(row)) || can(auth, 'read', 'Notebook', fields(row))),
      allows: (auth, row, action) => can(auth, action, 'Notebook', fields(row)),
      forbidden: (action) => `You may not ${action} with every one of these notebooks`,
    };
    this.sources = {
      ...base,
      visible: (auth, row, action) =>
        !row.deleted_at &&
        can(auth, 'read', 'Notebook', fields(row)) &&
        (action !== 'read' || can(auth, 'read', 'Source', sourceFields(row))),
      allows: (auth, row, action) => can(auth, action, 'Source', sourceFields(row)),
      forbidden: (action) => `You may not ${action} sources in this notebook`,
    };
  }

  async require(
    auth: Principal,
    notebookId: string,
    action: Action,
    options: { deleted?: boolean } = {},
  ): Promise<NotebookAccess> {
    const [notebook] = await requireAccess(auth, action, [notebookId], options.deleted ? this.trashed : this.one);
    return { notebook, level: levelOf(auth, notebook) };
  }

  /** Several notebooks, in one query: each must be visible (404, naming nothing) and allow `action` (403). */
  requireMany(auth: Principal, notebookIds: readonly string[], action: 'read' | 'chat'): Promise<NotebookRow[]> {
    return requireAccess(auth, action, notebookIds, this.many);
  }

  /** For source routes: the notebook must be visible, and the action allowed on its sources. */
  async requireForSources(auth: Principal, notebookId: string, action: Action): Promise<NotebookAccess> {
    const [notebook] = await requireAccess(auth, action, [notebookId], this.sources);
    return { notebook, level: levelOf(auth, notebook) };
  }
}

const fields = (row: NotebookRow): Record<string, unknown> => ({ id: row.id, ownerId: row.owner_id, grant: row.grant });

const sourceFields = (row: NotebookRow): Record<string, unknown> => ({
  notebookId: row.id,
  notebookOwnerId: row.owner_id,
  notebookGrant: row.grant,
});

export function levelOf(auth: Principal, notebook: NotebookRow): AccessLevel {
  if (notebook.owner_id === auth.userId || auth.roles.includes('admin')) return 'owner';
  return notebook.grant ?? 'viewer';
}
