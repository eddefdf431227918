/**
 * The n8n server the e2e global setup starts once per jest run. Test files reach it with
 * `sharedServer()`; the state travels in a JSON file named by $N8N_E2E_STATE.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRootDir } from '../../scripts/lib/n8n-runtime';
import { N8nServer, type N8nServerState } from './n8n-server';

/** Where the global setup writes the shared server's state. */
export function stateFile(): string {
	return process.env.N8N_E2E_STATE ?? path.join(repoRootDir(), '.runtime', 'e2e', 'state.json');
}

export interface SharedState {
	server: N8nServerState;
	/** The tarball and template nodes folder of this run, for tests that start their own server. */
	tgz: string;
	nodesTemplate: string;
	/** Timings of the global setup, in seconds. */
	timings: Record<string, number>;
}

export function readSharedState(): SharedState {
	const file = stateFile();
	if (!fs.existsSync(file)) throw new Error(`no shared n8n state at ${file}: run through \`npm run test:e2e\` (its global setup starts n8n)`);
	return JSON.parse(fs.readFileSync(file, 'utf8')) as SharedState;
}

let shared: Promise<N8nServer> | undefined;

/** A client for the shared server (owner logged in, API key ready). */
export function sharedServer(): Promise<N8nServer> {
	shared ??= N8nServer.attach(readSharedState().server);
	return shared;
}
