// Jest runs the TypeScript tests through ts-jest (type-checked, so a wrong prop fails the run).
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
  },
  // Synthesising a stack with cdk-nag takes a few seconds on the shared 2-core machine.
  testTimeout: 120000,
};
