/**
 * What every e2e run needs before its first test: the real mail stack, a pinned n8n runtime, and this
 * package built, packed and installed into a template `nodes` folder. Shared by the global setups of
 * `npm run test:e2e` (one n8n, SQLite) and `npm run test:e2e:queue` (main + workers, PostgreSQL + Redis).
 */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { ensureN8nRuntime, repoRootDir, runtimeById, type N8nRuntime } from '../../scripts/lib/n8n-runtime';
import { packAndInstallTemplate, type PackedPackage } from '../lib/package-tarball';

export const log = (line: string): void => {
	process.stderr.write(`[e2e] ${line}\n`);
};

/** Starts Postfix + Dovecot unless they run (slot variables MAILSTACK_* are honoured by the script). */
export function ensureMailStack(): void {
	const script = path.join(repoRootDir(), 'test', 'mailstack', 'mailstack.sh');
	try {
		execFileSync('bash', [script, 'status'], { stdio: 'pipe' });
		log('mail stack: already running');
	} catch {
		log('mail stack: starting Postfix + Dovecot');
		execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
	}
}

/** Runs `fn`, records its wall-clock seconds under `name` and logs them. */
export async function timed<T>(timings: Record<string, number>, name: string, fn: () => Promise<T> | T): Promise<T> {
	const t = Date.now();
	const result = await fn();
	timings[name] = Math.round((Date.now() - t) / 100) / 10;
	log(`${name}: ${timings[name]} s`);
	return result;
}

/** The runtime this run uses: `N8N_E2E_RUNTIME=1.x` runs the same tests on the last n8n 1.x line. */
export function selectedRuntime(): ReturnType<typeof runtimeById> {
	return runtimeById(process.env.N8N_E2E_RUNTIME ?? '2.x');
}

/** Mail stack, runtime, build + pack + install into a template nodes folder (in `workDir`). */
export async function prepare(timings: Record<string, number>, workDir?: string): Promise<{ runtime: N8nRuntime; packed: PackedPackage }> {
	await timed(timings, 'mailStack', ensureMailStack);
	const runtime = await timed(timings, 'runtime', () => ensureN8nRuntime({ log, runtime: selectedRuntime() }));
	log(`runtime: n8n ${runtime.n8nVersion} on Node ${runtime.nodeVersion} (${runtime.dir})`);
	const packed = await timed(timings, 'buildAndPack', () => packAndInstallTemplate({ log, workDir }));
	return { runtime, packed };
}
