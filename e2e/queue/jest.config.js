// Queue-mode end-to-end tests (`npm run test:e2e:queue`): n8n main + 2 workers with Redis and PostgreSQL
// from Debian, the packed package installed in every process, the real Postfix + Dovecot. Each file starts
// its own cluster; they run one after another (2-core machines, and the files share Redis and PostgreSQL).
/** @type {import('jest').Config} */
module.exports = {
	rootDir: __dirname,
	displayName: 'e2e-queue',
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: '<rootDir>/../../tsconfig.json' }] },
	moduleFileExtensions: ['ts', 'js', 'json'],
	testMatch: ['<rootDir>/*.test.ts'],
	globalSetup: '<rootDir>/../setup/queue-global-setup.ts',
	maxWorkers: 1,
	testTimeout: 300_000,
};
