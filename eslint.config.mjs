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
