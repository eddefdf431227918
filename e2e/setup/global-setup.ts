/**
 * e2e global setup: real mail stack, runtime (n8n 2.41.1 on Node 24, or 1.x with N8N_E2E_RUNTIME=1.x),
 * the package built + packed + installed into a fresh user folder, one n8n server with an owner and an
 * API key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { N8nServer } from '../lib/n8n-server';
import { stateFile, type SharedState } from '../lib/shared-server';
import { log, prepare, selectedRuntime, timed } from './prepare';

declare global {
	var __N8N_E2E_SERVER__: N8nServer | undefined;
}

export default async function globalSetup(): Promise<void> {
	process.stderr.write('\n');
	const timings: Record<string, number> = {};
	const { packed } = await prepare(timings);
	// Debug level: tests wait for n8n's "Activated trigger node" line (see N8nServer.waitForTriggerActive).
	const server = await N8nServer.create({
		nodesTemplate: packed.nodesTemplate,
		log,
		runtime: selectedRuntime(),
		env: { N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'debug' },
	});
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
	log(`n8n ${server.runtime.n8nVersion} ${server.baseUrl} ready (user folder ${server.userFolder})`);
}
