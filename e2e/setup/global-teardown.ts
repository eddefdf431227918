/** Stops the shared n8n server (SIGTERM, wait, nothing left behind). Keeps its folder if N8N_E2E_KEEP=1. */
import * as fs from 'node:fs';
import { stateFile } from '../lib/shared-server';

export default async function globalTeardown(): Promise<void> {
	const server = globalThis.__N8N_E2E_SERVER__;
	if (!server) return;
	const t = Date.now();
	await server.stop();
	process.stderr.write(`[e2e] n8n stopped in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
	fs.rmSync(stateFile(), { force: true });
	if (process.env.N8N_E2E_KEEP === '1') {
		process.stderr.write(`[e2e] kept ${server.userFolder} (log: ${server.logFile})\n`);
	} else {
		fs.rmSync(server.userFolder, { recursive: true, force: true });
	}
}
