'use strict';
// Projects split tests by what they need: unit (no services) and integration (real PostgreSQL, S3, Temporal, CLI).
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
  ],
};
