import { type ForcedSubject, type MongoAbility, type MongoQuery } from '@casl/ability';

/** What a caller can do. `manage` means every action. */
export const ACTIONS = ['manage', 'create', 'read', 'update', 'delete', 'share', 'chat', 'query'] as const;
export type Action = (typeof ACTIONS)[number];

/** What it can be done to. `all` means every subject. */
export const SUBJECTS = [
  'all',
  'User',
  'Role',
  'AuditLog',
  'ApiKey',
  'Secret',
  'Job',
  'Notebook',
  'Source',
  'ChatSession',
  'SqlConnection',
] as const;
export type SubjectName = (typeof SUBJECTS)[number];

/** A subject is a type name, or an object tagged with one by CASL's `subject(type, object)`. */
export type AppAbility = MongoAbility<[Action, SubjectName | ForcedSubject<Exclude<SubjectName, 'all'>>], MongoQuery>;

/** What an API key may be limited to (none: nothing; each scope allows a set of actions). */
export const API_KEY_SCOPES = ['read', 'write', 'chat', 'sql', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const ROLE_NAMES = ['admin', 'user', 'viewer'] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
