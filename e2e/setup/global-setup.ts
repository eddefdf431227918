/**
 * e2e global setup: real mail stack, runtime (Node 24 + n8n 2.41.1), the package built + packed +
 * installed into a fresh user folder, one n8n server with an owner and an API key.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ensureN8nRuntime, repoRootDir } from '../../scripts/lib/n8n-runtime';
import { N8nServer } from '../lib/n8n-server';
import { packAndInstallTemplate } from '../lib/package-tarball';
import { stateFile, type SharedState } from '../lib/shared-server';

declare global {
	var __N8N_E2E_SERVER__: N8nServer | undefined;
}

const log = (line: string): void => {
	process.stderr.write(`[e2e] ${line}\n`);
};

function ensureMailStack(): void {
	const script = path.join(repoRootDir(), 'test', 'mailstack', 'mailstack.sh');
	try {
		execFileSync('bash', [script, 'status'], { stdio: 'pipe' });
		log('mail stack: already running');
	} catch {
		log('mail stack: starting Postfix + Dovecot');
		execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
	}
}

async function timed<T>(timings: Record<string, number>, name: string, fn: () => Promise<T> | T): Promise<T> {
	const t = Date.now();
	const result = await fn();
	timings[name] = Math.round((Date.now() - t) / 100) / 10;
	log(`${name}: ${timings[name]} s`);
	return result;
}

export default async function globalSetup(): Promise<void> {
	process.stderr.write('\n');
	const timings: Record<string, number> = {};
	await timed(timings, 'mailStack', ensureMailStack);
	await timed(timings, 'runtime', () => ensureN8nRuntime({ log }));
	const packed = await timed(timings, 'buildAndPack', () => packAndInstallTemplate({ log }));
	// Debug level: tests wait for n8n's "Activated trigger node" line (see N8nServer.waitForTriggerActive).
	const server = await N8nServer.create({ nodesTemplate: packed.nodesTemplate, log, env: { N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'debug' } });
	globalThis.__N8N_E2E_SERVER__ = server;
	try {
		await timed(timings, 'n8nStart', () => server.start());
		await timed(timings, 'ownerAndApiKey', () => server.setupOwner());
	} catch (err) {
		await server.stop();
		throw err;
	}
	const file = stateFile();
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const state: SharedState = { server: server.toState(), tgz: packed.tgz, nodesTemplate: packed.nodesTemplate, timings };
	fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
	process.env.N8N_E2E_STATE = file;
	log(`n8n ${server.baseUrl} ready (user folder ${server.userFolder})`);
}
