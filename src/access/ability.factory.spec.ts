import { subject } from '@casl/ability';
import { AbilityFactory } from './ability.factory';
import { type RolePermission } from './role.entity';
import { type RolesRepository } from './roles.repository';

const perms = (role: string, rules: [string, string, Record<string, unknown>?][]): Partial<RolePermission>[] =>
  rules.map(([action, subj, conditions]) => ({
    role,
    action,
    subject: subj,
    conditions: conditions ?? null,
    inverted: false,
  }));

async function factory(): Promise<AbilityFactory> {
  const repo = {
    findPermissions: () =>
      Promise.resolve([
        ...perms('admin', [['manage', 'all']]),
        ...perms('user', [
          ['read', 'User', { id: '${user.id}' }],
          ['create', 'Notebook'],
          ['manage', 'Notebook', { ownerId: '${user.id}' }],
          ['read', 'Job', { ownerId: '${user.id}' }],
        ]),
        ...perms('viewer', [['read', 'User', { id: '${user.id}' }]]),
      ] as RolePermission[]),
  } as unknown as RolesRepository;
  const sut = new AbilityFactory(repo);
  await sut.onModuleInit();
  return sut;
}

describe(AbilityFactory.name, () => {
  it('resolves ${user.id} in conditions to the caller', async () => {
    const ability = (await factory()).build({ userId: 'u1', roles: ['user'] });
    expect(ability.can('read', subject('User', { id: 'u1' }))).toBe(true);
    expect(ability.can('read', subject('User', { id: 'u2' }))).toBe(false);
    expect(ability.can('update', subject('Notebook', { ownerId: 'u1' }))).toBe(true);
    expect(ability.can('update', subject('Notebook', { ownerId: 'u2' }))).toBe(false);
    expect(ability.can('manage', 'User')).toBe(false);
  });

  it('viewers cannot create notebooks; admins can do everything', async () => {
    const sut = await factory();
    expect(sut.build({ userId: 'v', roles: ['viewer'] }).can('create', 'Notebook')).toBe(false);
    expect(sut.build({ userId: 'a', roles: ['admin'] }).can('delete', subject('Notebook', { ownerId: 'x' }))).toBe(
      true,
    );
  });

  it('a read-only key keeps its owner’s reads and loses every write', async () => {
    const ability = (await factory()).build({
      userId: 'u1',
      roles: ['user'],
      key: { scopes: ['read'], notebookIds: null },
    });
    expect(ability.can('read', subject('Notebook', { ownerId: 'u1' }))).toBe(true);
    expect(ability.can('update', subject('Notebook', { ownerId: 'u1' }))).toBe(false);
    expect(ability.can('create', 'Notebook')).toBe(false);
  });

  it('a key never exceeds its owner: an admin-scoped key of a plain user is still a plain user', async () => {
    const ability = (await factory()).build({
      userId: 'u1',
      roles: ['user'],
      key: { scopes: ['admin'], notebookIds: null },
    });
    expect(ability.can('manage', 'User')).toBe(false);
    expect(ability.can('read', subject('User', { id: 'u2' }))).toBe(false);
  });

  it('a key limited to notebooks reaches only those', async () => {
    const ability = (await factory()).build({
      userId: 'a',
      roles: ['admin'],
      key: { scopes: ['read', 'write'], notebookIds: ['nb1'] },
    });
    expect(ability.can('read', subject('Notebook', { id: 'nb1', ownerId: 'x' }))).toBe(true);
    expect(ability.can('read', subject('Notebook', { id: 'nb2', ownerId: 'x' }))).toBe(false);
    expect(ability.can('update', subject('Source', { notebookId: 'nb2' }))).toBe(false);
    expect(ability.can('update', subject('Source', { notebookId: 'nb1' }))).toBe(true);
  });
});
