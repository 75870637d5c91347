// Jest runs TypeScript through SWC (no type-checking here; `npm run typecheck` does that),
// which keeps each test file's start-up cheap even with provider typings in the graph.
/** @type {import('jest').Config} */
const swc = ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }];
const shared = {
  transform: { '^.+\\.ts$': swc },
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  // A per-test timeout only catches a hang; it must never fail a slow machine's correct run
  // (Jest's 5 s default did, on a busy 2-core box). Files that need longer set their own.
  // Global, not per project: jest-circus reads only the global value.
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'infra', testMatch: ['<rootDir>/__tests__/infra/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'services',
      testMatch: ['<rootDir>/__tests__/services/**/*.test.ts'],
      globalSetup: '<rootDir>/__tests__/support/global-setup.ts',
      globalTeardown: '<rootDir>/__tests__/support/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'e2e',
      testMatch: ['<rootDir>/__tests__/e2e/**/*.test.ts'],
    },
  ],
};
