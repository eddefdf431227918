/**
 * Global setup of `npm run test:e2e:queue`: the mail stack, the runtime, the package packed into its own
 * work folder, and PostgreSQL + Redis from Debian. Each test file starts its own queue-mode cluster
 * (main + 2 workers, `QueueCluster`) on its own database; what they share travels in a state file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRootDir } from '../../scripts/lib/n8n-runtime';
import { ensureServices } from '../lib/services';
import { queueStateFile, type QueueState } from '../queue/helpers';
import { log, prepare, timed } from './prepare';

export default async function queueGlobalSetup(): Promise<void> {
	process.stderr.write('\n');
	const timings: Record<string, number> = {};
	const { packed } = await prepare(timings, path.join(repoRootDir(), '.runtime', 'pack-queue'));
	await timed(timings, 'postgresAndRedis', () => ensureServices('all', log));
	const file = queueStateFile();
	fs.mkdirSync(path.dirname(file), { recursive: true });
	const state: QueueState = { tgz: packed.tgz, nodesTemplate: packed.nodesTemplate, timings };
	fs.writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
	process.env.N8N_E2E_QUEUE_STATE = file;
}
