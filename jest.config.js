'use strict';
// Projects split tests by what they need: unit (no services), integration (real PostgreSQL, S3, Temporal, CLI)
// and chaos (the same, with faults injected into them).
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] };
const common = { testEnvironment: 'node', transform, moduleFileExtensions: ['ts', 'js', 'json'] };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/{drivers,integration,e2e}/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.js',
    },
    // Restarts the stack's services: scripts/test.sh runs it in a jest invocation of its own, after the others.
    {
      ...common,
      displayName: 'chaos',
      testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
      globalSetup: '<rootDir>/test/helpers/global-setup.js',
    },
  ],
};
