// Three projects: pure unit tests (no servers), integration tests against the real Postfix + Dovecot
// started by test/setup/global-setup.ts, and workflow tests that run our nodes inside n8n-core's engine
// (they talk to the same mail stack).
// transpile only (tsconfig sets isolatedModules); `npm run lint` type-checks everything with tsc
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const common = {
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': tsJest },
	moduleFileExtensions: ['ts', 'js', 'json'],
	modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.runtime/', '<rootDir>/e2e/runtime/', '<rootDir>/e2e/runtime-1.x/'],
};
const withMailStack = {
	...common,
	globalSetup: '<rootDir>/test/setup/global-setup.ts',
	setupFiles: ['<rootDir>/test/setup/env.ts'],
};

module.exports = {
	// real servers answer in milliseconds, but a loaded 2-core CI machine and mail delivery need slack
	testTimeout: 60_000,
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
		{ ...withMailStack, displayName: 'integration', testMatch: ['<rootDir>/test/integration/**/*.test.ts'] },
		{ ...withMailStack, displayName: 'workflow', testMatch: ['<rootDir>/test/workflow/**/*.test.ts'] },
	],
};
