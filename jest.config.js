// Jest runs TypeScript through SWC (CommonJS). NestJS 12, MikroORM 7, pgvector, kysely and a few
// others ship ESM only, so they are transformed too.
const esmOnly = [
  '@nestjs',
  '@mikro-orm',
  'pgvector',
  'kysely',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer',
  '@borewit',
  'uint8array-extras',
  '@standard-schema',
  'es-toolkit',
  '@electric-sql',
  'unpdf',
  'htmlparser2',
  'domhandler',
  'domutils',
  'dom-serializer',
  'domelementtype',
  'entities',
  'marked',
  'csv-parse',
  'gpt-tokenizer',
].join('|');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j|mj|cj)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  // unpdf loads its pdf.js bundle through an import-only export that CommonJS resolution cannot see.
  moduleNameMapper: { '^unpdf/pdfjs$': '<rootDir>/node_modules/unpdf/dist/pdfjs.mjs' },
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/migrations/**/*.spec.ts'] },
    {
      ...common,
      displayName: 'e2e',
      // End-to-end tests (over HTTP) and service-tier tests (test/service: services called directly)
      // share the real-component harness.
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/service/**/*.service-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
  // End-to-end tests start whole applications (and sometimes the CLI as a child process).
  testTimeout: 120_000,
};
