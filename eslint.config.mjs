// Lint: typescript-eslint everywhere, n8n's community-node rules on the package itself.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import regexp from 'eslint-plugin-regexp';

// Self-hosted n8n only: we use the config without n8n Cloud support, and turn off
// `no-runtime-dependencies` because the nodes need nodemailer (SMTP), imapflow (IMAP IDLE),
// mailparser (MIME/DSN parsing) and luxon (time zones, DST). n8n Cloud's verified-node rules forbid
// runtime dependencies, so this package cannot be Cloud-verified; README.md says so.
const communityRules = n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport;
const noRuntimeDepsOff = { '@n8n/community-nodes/no-runtime-dependencies': 'off' };

export default tseslint.config(
	{ ignores: ['dist/**', 'node_modules/**', '.runtime/**', 'coverage/**', '.tmp/**', '**/*.js', '**/*.mjs'] },
	{
		files: ['**/*.ts'],
		extends: [js.configs.recommended, tseslint.configs.recommended],
		rules: {
			'@typescript-eslint/no-explicit-any': 'error',
			'@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
		},
	},
	{
		// Code that reads incoming mail: anyone can send it, so no pattern may take super-linear time
		// (docs/design.md "Hostile mail"). These rules find patterns that backtrack or re-scan on a run of one
		// character; runs of several characters (`<div class=` repeated) are for review and `npm run fuzz:inbound`.
		files: ['core/classify/**/*.ts', 'core/trigger/**/*.ts'],
		plugins: { regexp },
		rules: {
			'regexp/no-super-linear-backtracking': ['error', { report: 'potential' }],
			'regexp/no-super-linear-move': ['error', { report: 'potential', ignoreSticky: false, ignorePartial: false }],
		},
	},
	{
		files: ['nodes/**/*.ts', 'credentials/**/*.ts'],
		extends: [communityRules],
		rules: { ...noRuntimeDepsOff, 'no-console': 'error' },
	},
	{
		files: ['package.json'],
		extends: [communityRules],
		rules: noRuntimeDepsOff,
		languageOptions: { parser: tseslint.parser, parserOptions: { extraFileExtensions: ['.json'] } },
	},
);
