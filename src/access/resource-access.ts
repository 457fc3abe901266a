import { ForbiddenException, NotFoundException } from '@nestjs/common';
import { subject as tagged } from '@casl/ability';
import { type Action, type SubjectName } from './permissions';
import { type Principal } from './principal';

/**
 * How one kind of resource is checked: how to read a set of them in one query, and what the
 * caller's ability is asked about each. Each module that owns a resource describes it once
 * (notebooks, their sources, chat sessions, jobs, later SQL connections); `requireAccess` applies
 * the one rule to all of them.
 */
export interface ResourceKind<T> {
  /** Said by the 404; the same whether the resource is missing or hidden, so ids leak nothing. */
  readonly notFound: string;
  /** The resources among `ids` that exist for this caller, in one query (missing ones simply absent). */
  load(auth: Principal, ids: readonly string[]): Promise<readonly T[]>;
  id(row: T): string;
  /** Whether the caller may know the resource exists (for `action`); if not, it answers 404. */
  visible(auth: Principal, row: T, action: Action): boolean;
  /** Whether the caller may do `action` to a resource they can see; if not, 403 (`forbidden`). */
  allows(auth: Principal, row: T, action: Action): boolean;
  /** The 403's message; null: a refusal answers 404 like a missing resource. */
  forbidden(action: Action, count: number): string | null;
}

/**
 * The one access rule, set-based: every id must name a resource the caller can see (else 404,
 * naming nothing), and every one must allow `action` (else 403, or 404 where the kind hides
 * refusals). Returns the resources in the order of `ids`, duplicates removed.
 */
export async function requireAccess<T>(
  auth: Principal,
  action: Action,
  ids: readonly string[],
  kind: ResourceKind<T>,
): Promise<T[]> {
  const unique = [...new Set(ids)];
  const rows = await kind.load(auth, unique);
  const byId = new Map(rows.map((row) => [kind.id(row), row]));
  let refused = false;
  const result = unique.map((id) => {
    const row = byId.get(id);
    if (row === undefined || !kind.visible(auth, row, action)) throw new NotFoundException(kind.notFound);
    if (!kind.allows(auth, row, action)) refused = true;
    return row;
  });
  if (refused) {
    const message = kind.forbidden(action, unique.length);
    throw message === null ? new NotFoundException(kind.notFound) : new ForbiddenException(message);
  }
  return result;
}

/**
 * A `load` for resources read one at a time by a primary-key read (one id per request in
 * practice: the prepared-statement hot path), the missing ones left out.
 */
export function loadEach<T>(
  find: (auth: Principal, id: string) => Promise<T | null>,
): (auth: Principal, ids: readonly string[]) => Promise<T[]> {
  return async (auth, ids) =>
    (await Promise.all(ids.map((id) => find(auth, id)))).filter((row): row is Awaited<T> & T => row !== null);
}

/** `ability.can(action, subject(type, fields))`, typed for the app's subjects. */
export function can(
  auth: Principal,
  action: Action,
  type: Exclude<SubjectName, 'all'>,
  fields: Record<string, unknown>,
): boolean {
  return auth.ability.can(action, tagged(type, fields));
}
