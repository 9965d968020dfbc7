/**
 * Three projects: `unit` needs nothing running; `network` runs against the live network that
 * ./test-network.sh up started (it reads network/runtime/clients.json); `topologies` against the
 * networks scripts/test-topologies.sh starts in a runtime folder of their own.
 */
// Type checking is tsc's job (npm run build); jest only transpiles.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.test.json' }];
const MAP_TO_SOURCES = {
  '^@iotreg/common$': '<rootDir>/packages/common/src',
  '^@iotreg/device$': '<rootDir>/device-sdk/src',
};

module.exports = {
  testSequencer: '<rootDir>/test/support/sequencer.js',
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/{packages/common,chaincode,gateway-app,device-sdk,cli,console}/src/**/*.test.ts'],
      moduleNameMapper: MAP_TO_SOURCES,
    },
    {
      displayName: 'network',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/topologies/'],
      moduleNameMapper: MAP_TO_SOURCES,
      setupFilesAfterEnv: ['<rootDir>/test/support/setup.ts'],
    },
    {
      // Networks of their own (other topologies, a joining member): scripts/test-topologies.sh.
      displayName: 'topologies',
      rootDir: __dirname,
      testEnvironment: 'node',
      transform: { '^.+\\.ts$': tsJest },
      testMatch: ['<rootDir>/test/topologies/**/*.test.ts'],
      moduleNameMapper: MAP_TO_SOURCES,
      setupFilesAfterEnv: ['<rootDir>/test/support/setup.ts'],
    },
  ],
};
