// ESLint flat config: type-aware TypeScript rules (floating promises, misused promises,
// exhaustive switches) on everything, Prettier owns formatting.
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'coverage/',
      'data/',
      'jest.config.js',
      'eslint.config.mjs',
      '.dependency-cruiser.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // NestJS injects by the runtime class of constructor parameters: those imports must stay values.
    files: ['src/**/*.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/consistent-type-imports': 'off' },
  },
  {
    // One data-access idiom (src/database/unit-of-work.ts): a repository runs kysely `sql`
    // statements through DbContext (rows/one/affected/entities/entity), and the prepared-statement
    // pool (Sql) for the measured hot reads. MikroORM's entity API and a raw EntityManager or
    // Kysely instance are for infrastructure, never for a repository.
    files: ['src/**/*.repository.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'CallExpression[callee.property.name=/^(em|kysely|getKysely|transactional|fork|findOne|findOneOrFail|findAll|persist|flush|persistAndFlush|nativeUpdate|nativeDelete|upsert|upsertMany|insertMany|createQueryBuilder|getReference|removeAndFlush)$/]',
          message:
            'Repositories use one idiom: kysely `sql` statements through DbContext (rows/one/affected/entities/entity), or Sql for a measured hot read.',
        },
        {
          selector: "CallExpression[callee.property.name='execute'][callee.object.type='TaggedTemplateExpression']",
          message: 'Run statements through DbContext (this.db.rows(sql`…`)), so they join the open unit of work.',
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.js', 'bench/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  prettier,
);
