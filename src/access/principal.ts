import { type ApiKeyScope, type AppAbility, type RoleName } from './permissions';

/**
 * Who is calling, established only from a verified access token or API key — never from a body,
 * query or header the client fills in. Passed explicitly as the first argument of every service
 * method that acts for a caller.
 */
export interface Principal {
  readonly userId: string;
  readonly email: string;
  readonly roles: readonly RoleName[];
  /** The caller's abilities: role rules, narrowed by API-key scopes and notebook limits. */
  readonly ability: AppAbility;
  readonly via: SessionCredential | ApiKeyCredential;
}

export interface SessionCredential {
  readonly kind: 'session';
  readonly sessionId: string;
}

export interface ApiKeyCredential {
  readonly kind: 'api-key';
  readonly apiKeyId: string;
  readonly scopes: readonly ApiKeyScope[];
  /** Null: every notebook the owner can reach. */
  readonly notebookIds: readonly string[] | null;
}

export const isAdmin = (principal: Principal): boolean => principal.roles.includes('admin');

/** The notebooks a caller is limited to (a notebook-limited API key), or null for no limit. */
export const notebookLimit = (principal: Principal): readonly string[] | null =>
  principal.via.kind === 'api-key' ? principal.via.notebookIds : null;
