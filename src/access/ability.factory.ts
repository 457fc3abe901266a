import { Injectable, type OnModuleInit } from '@nestjs/common';
import { createMongoAbility, type RawRuleOf } from '@casl/ability';
import { type ApiKeyScope, type Action, type AppAbility, type RoleName } from './permissions';
import { RolesRepository } from './roles.repository';

type Rule = RawRuleOf<AppAbility>;

const ABILITY_CACHE_SIZE = 10_000;

/** Which actions each API-key scope allows. `admin` keys exist only for admins. */
const SCOPE_ACTIONS: Record<ApiKeyScope, readonly Action[]> = {
  read: ['read'],
  write: ['create', 'update', 'delete', 'share'],
  chat: ['chat'],
  sql: ['query'],
  admin: ['manage', 'create', 'read', 'update', 'delete', 'share', 'chat', 'query'],
};

const EVERY_ACTION: readonly Action[] = ['create', 'read', 'update', 'delete', 'share', 'chat', 'query'];

/**
 * Subjects that live inside a notebook, and the field that names it. A notebook-limited key can do
 * nothing with one outside its notebooks — nor with one in no notebook at all (a null field).
 */
const NOTEBOOK_FIELD: Readonly<Record<string, string>> = {
  Notebook: 'id',
  Source: 'notebookId',
  ChatSession: 'notebookId',
  Job: 'notebookId',
};

export interface AbilityInput {
  userId: string;
  roles: readonly RoleName[];
  /** Present for API keys: the key's scopes and optional notebook limit. */
  key?: { scopes: readonly ApiKeyScope[]; notebookIds: readonly string[] | null };
}

/**
 * Builds a caller's CASL ability once per request: the rules of their roles (loaded from the
 * database at boot), with `${user.id}` resolved, narrowed for API keys to the key's scopes and
 * notebooks — so a key can never exceed its owner's rights.
 */
@Injectable()
export class AbilityFactory implements OnModuleInit {
  private rulesByRole = new Map<string, Rule[]>();
  /**
   * Abilities by everything they depend on (user, roles, key scope). Roles are read fresh on every
   * request, so a changed role simply misses the cache; the cache only saves rebuilding the same
   * rule set request after request.
   */
  private readonly cache = new Map<string, AppAbility>();

  constructor(private readonly roles: RolesRepository) {}

  async onModuleInit(): Promise<void> {
    await this.reload();
  }

  async reload(): Promise<void> {
    const byRole = new Map<string, Rule[]>();
    for (const p of await this.roles.findPermissions()) {
      const rule = {
        action: p.action,
        subject: p.subject,
        ...(p.conditions ? { conditions: p.conditions } : {}),
        ...(p.inverted ? { inverted: true } : {}),
      } as Rule;
      byRole.set(p.role, [...(byRole.get(p.role) ?? []), rule]);
    }
    this.rulesByRole = byRole;
    this.cache.clear();
  }

  build(input: AbilityInput): AppAbility {
    const key = JSON.stringify([input.userId, [...input.roles].sort(), input.key?.scopes, input.key?.notebookIds]);
    const cached = this.cache.get(key);
    if (cached) {
      // Map iteration order is insertion order: re-insert to keep recently used entries last.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const ability = this.create(input);
    this.cache.set(key, ability);
    if (this.cache.size > ABILITY_CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return ability;
  }

  private create(input: AbilityInput): AppAbility {
    let rules = input.roles
      .flatMap((role) => this.rulesByRole.get(role) ?? [])
      .map((r) => interpolate(r, input.userId));
    if (input.key) rules = narrowToKey(rules, input.key);
    return createMongoAbility<AppAbility>(rules);
  }
}

function interpolate(rule: Rule, userId: string): Rule {
  if (!rule.conditions) return rule;
  const conditions = JSON.parse(JSON.stringify(rule.conditions).replaceAll('${user.id}', userId)) as Rule['conditions'];
  return { ...rule, conditions };
}

function narrowToKey(rules: Rule[], key: NonNullable<AbilityInput['key']>): Rule[] {
  const allowed = new Set(key.scopes.flatMap((s) => SCOPE_ACTIONS[s]));
  const narrowed: Rule[] = [];
  for (const rule of rules) {
    const actions = Array.isArray(rule.action) ? rule.action : [rule.action];
    // `manage` covers every action: keep only the ones the key's scopes allow.
    const expanded = actions.flatMap((a) => (a === 'manage' && !allowed.has('manage') ? EVERY_ACTION : [a]));
    const kept = expanded.filter((a) => allowed.has(a));
    if (kept.length > 0) narrowed.push({ ...rule, action: kept });
  }
  if (key.notebookIds) {
    // Inverted rules come last and win: outside its notebooks the key can do nothing.
    for (const [subject, field] of Object.entries(NOTEBOOK_FIELD)) {
      narrowed.push({
        action: 'manage',
        subject,
        conditions: { [field]: { $nin: [...key.notebookIds] } },
        inverted: true,
      } as Rule);
    }
  }
  return narrowed;
}
