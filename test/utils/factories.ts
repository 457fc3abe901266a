import { randomUUID } from 'node:crypto';
import { AbilityFactory } from '../../src/access/ability.factory';
import { type RoleName } from '../../src/access/permissions';
import { type Principal } from '../../src/access/principal';
import { NotebooksService } from '../../src/notebooks/notebooks.service';
import { UsersService } from '../../src/users/users.service';
import { uniqueEmail } from './auth';
import { type TestApp } from './test-app';

/**
 * Small data factories for service-tier tests: they write through the services (the same code
 * the routes call), never through SQL, and give back what a service method takes first — the
 * caller. The principal is what the AccessGuard would build for a login session.
 */
export async function makeUser(app: TestApp, tag = 'user', role: RoleName = 'user'): Promise<Principal> {
  const email = uniqueEmail(tag);
  const user = await app.app.get(UsersService).createWithRole({ email, passwordHash: 'not-a-login' }, role);
  return {
    userId: user.id,
    email,
    roles: [role],
    ability: app.app.get(AbilityFactory).build({ userId: user.id, roles: [role] }),
    via: { kind: 'session', sessionId: randomUUID() },
  };
}

/** The same user through a personal API key limited to `notebookIds` (and `scopes`). */
export function viaApiKey(
  app: TestApp,
  user: Principal,
  key: { scopes?: ('read' | 'write' | 'chat')[]; notebookIds?: string[] | null } = {},
): Principal {
  const scopes = key.scopes ?? ['read', 'write', 'chat'];
  const notebookIds = key.notebookIds ?? null;
  return {
    ...user,
    ability: app.app
      .get(AbilityFactory)
      .build({ userId: user.userId, roles: [...user.roles], key: { scopes, notebookIds } }),
    via: { kind: 'api-key', apiKeyId: randomUUID(), scopes, notebookIds },
  };
}

export async function makeNotebook(app: TestApp, owner: Principal, name = 'Notebook'): Promise<string> {
  return (await app.app.get(NotebooksService).create(owner, { name })).id;
}
