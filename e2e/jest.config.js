// End-to-end tests against a real n8n 2.41 server (Node 24, child process) with this package installed
// from its `npm pack` tarball, and the real Postfix + Dovecot. Jest itself runs on the system Node.
// The global setup builds the package, installs the runtime into .runtime/n8n (first time: minutes),
// starts the mail stack if needed and one shared n8n server; the teardown stops it.
/** @type {import('jest').Config} */
module.exports = {
	rootDir: __dirname,
	displayName: 'e2e',
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/../tsconfig.json' }] },
	moduleFileExtensions: ['ts', 'js', 'json'],
	testMatch: ['<rootDir>/**/*.test.ts'],
	// Queue mode has its own command and setup (npm run test:e2e:queue, e2e/queue/jest.config.js).
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/queue/'],
	globalSetup: '<rootDir>/setup/global-setup.ts',
	globalTeardown: '<rootDir>/setup/global-teardown.ts',
	// One n8n server is shared by all files; running them one after another keeps 2-core machines sane.
	maxWorkers: 1,
	testTimeout: 120_000,
};
