// The structure rules of src/, checked by `npm run lint` (README: Architecture). Folders are either
// infrastructure (listed below: machinery any feature may use) or features (everything else under
// src/: a new feature module needs no entry here). Composition roots (main.ts, app.module.ts,
// app.factory.ts, cli/) may import anything.
const INFRASTRUCTURE = [
  'access',
  'audit',
  'common',
  'config',
  'crypto',
  'database',
  'embeddings',
  'events',
  'health',
  'http',
  'llm',
  'logging',
  'metrics',
  'openapi',
  'queue',
  'redis',
  'storage',
  'text',
  'throttling',
];
const infra = `^src/(${INFRASTRUCTURE.join('|')})/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-mutual-folders',
      comment:
        'No two folders of src/ import each other, directly or round a longer circle: the module graph is one-way.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/[^/]+' },
      to: { circular: true },
    },
    {
      name: 'no-circular-files',
      comment: 'No file imports itself round a circle either (inside one folder too).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'infrastructure-never-imports-features',
      comment: 'Infrastructure folders serve every feature and know none of them.',
      severity: 'error',
      from: { path: infra },
      to: { path: '^src/', pathNot: [infra] },
    },
    {
      name: 'access-is-a-leaf',
      comment:
        'access/ (principal, permissions, abilities) depends on nothing but the base layers (and the error shape).',
      severity: 'error',
      from: { path: '^src/access/' },
      to: { path: '^src/', pathNot: ['^src/(access|common|config|database|http)/'] },
    },
    {
      name: 'no-foreign-repositories',
      comment: "Another module's data is reached through its service (or a published interface), never its repository.",
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '\\.repository\\.ts$', pathNot: ['^src/$1/'] },
    },
    {
      name: 'data-access-only-in-repositories',
      comment:
        'Only repositories (and the database machinery) touch the EntityManager, kysely or SQL; services, controllers and processors never do.',
      severity: 'error',
      from: {
        path: '^src/',
        pathNot: [
          '\\.repository\\.ts$',
          '\\.entity\\.ts$',
          '^src/database/',
          '^src/cli/',
          '^src/health/',
          '^src/http/all-exceptions\\.filter\\.ts$',
          '^src/storage/postgres-blob-storage\\.ts$',
          '^src/chunks/embedding-index\\.ts$', // the HNSW index's DDL (per dimension), not queries
          // The adapter to users' own databases (SQL chat's targets): a client of theirs behind the
          // gate, not Folio's storage; services reach it through its interface as they reach the LLM.
          '^src/sql-chat/targets/',
        ],
      },
      to: { path: '(^|/)node_modules/(@mikro-orm/(core|postgresql|sql)|kysely|pg)/|^src/database/sql\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['\\.spec\\.ts$', '^dist/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
