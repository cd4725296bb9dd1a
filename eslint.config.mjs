import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'lib/**', '.data/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: globals.node,
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x only follows .js by default; without these no-cycle silently checks nothing in TypeScript.
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      // One direction of imports (docs/architecture.md): cli → workers → activities → drivers, catalog → sql,
      // config, shared, errors. A module never imports one above it.
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/cli',
              from: './src/activities',
              message:
                'The CLI shares code with activities through src/catalog or src/shared, never directly.',
            },
            {
              target: './src/cli',
              from: './src/workers',
              except: ['./worker.ts'],
              message: 'The CLI starts a worker through src/workers/worker.ts only.',
            },
            {
              target: ['./src/workers', './src/activities', './src/catalog', './src/drivers'],
              from: ['./src/cli', './src/demo', './src/audit'],
              message: 'Workers load neither the CLI, the demo generator (docs/adr/0010) nor audit.',
            },
            {
              target: ['./src/activities', './src/catalog', './src/drivers'],
              from: ['./src/workers'],
              message: 'Activities, the catalog and drivers never import the worker process.',
            },
            {
              target: ['./src/catalog', './src/drivers'],
              from: ['./src/activities', './src/workflows'],
              message: 'The catalog and drivers sit below activities and workflows.',
            },
            {
              target: './src/drivers',
              from: './src/catalog',
              message:
                'Drivers never import the catalog: shared SQL helpers live in src/sql, row types in src/shared.',
            },
            {
              target: './src/catalog',
              from: './src/drivers',
              message: 'The catalog never imports drivers.',
            },
            {
              target: ['./src/shared', './src/config', './src/sql', './src/errors.ts'],
              from: [
                './src/cli',
                './src/workers',
                './src/activities',
                './src/workflows',
                './src/catalog',
                './src/drivers',
                './src/demo',
                './src/audit',
                './src/converter',
              ],
              message:
                'src/shared, src/config, src/sql and src/errors.ts are the bottom layer: they import none above.',
            },
          ],
        },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: only the workflow SDK and shared types at run time;
    // activity and result types may be imported as types (they are erased from the bundle).
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/workflow$|@temporalio/common$|\\.\\./shared(/|$)|\\./).*',
              allowTypeImports: true,
              message:
                'Workflow code may import only @temporalio/workflow, @temporalio/common and src/shared.',
            },
          ],
        },
      ],
    },
  },
  {
    // Loaded into the workflow sandbox as its failure converter (failureConverterPath): no Node module may enter.
    files: [
      'src/converter/failure-converter.ts',
      'src/config/secret-registry.ts',
      'src/config/anchore-reference.ts',
    ],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/common$|\\.\\./config/secret-registry$|\\./anchore-reference$).*',
              allowTypeImports: true,
              message:
                'The failure converter runs in the workflow sandbox: only @temporalio/common and the registry.',
            },
          ],
        },
      ],
    },
  },
  {
    // The CLI starts workflows by their types and calls their handlers through src/shared/messages.ts: it never
    // loads workflow code (the sandbox's modules are not the client's).
    files: ['src/cli/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./workflows(/|$)',
              allowTypeImports: true,
              message:
                'The CLI imports workflow types only; queries and updates come from src/shared/messages.',
            },
          ],
        },
      ],
    },
  },
  {
    // Drivers and the catalog are Temporal-agnostic so they can be used by the CLI and tests alike.
    files: ['src/drivers/**/*.ts', 'src/catalog/**/*.ts', 'src/config/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [{ group: ['@temporalio/*'], message: 'drivers/catalog/config never import Temporal.' }],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
