/**
 * PostgreSQL and Redis from Debian, started by `e2e/services/services.sh` as private instances on
 * loopback: the database and the queue of n8n's queue mode, and the demo's database.
 *
 *   await ensureServices('all', log);          // installs + starts when needed (root, Debian)
 *   await createDatabase('n8n_queue_abc');     // empty database, dropped first if it exists
 *   postgresEnv('n8n_queue_abc')               // n8n's DB_* variables for it
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

export const SERVICES_SCRIPT = path.resolve(__dirname, '..', 'services', 'services.sh');

/** Connection settings; the same defaults and variables as services.sh. */
export const services = {
	host: '127.0.0.1',
	pgPort: Number(process.env.E2E_PG_PORT ?? 15432),
	redisPort: Number(process.env.E2E_REDIS_PORT ?? 16379),
	pgUser: 'postgres',
};

async function script(args: string[], log?: (line: string) => void): Promise<string> {
	try {
		const { stdout, stderr } = await promisify(execFile)('bash', [SERVICES_SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024 });
		for (const line of stderr.split('\n').filter(Boolean)) log?.(line);
		return stdout;
	} catch (err) {
		const e = err as Error & { stderr?: string; stdout?: string };
		throw new Error(`services.sh ${args.join(' ')} failed (run as root on Debian/Ubuntu): ${e.stderr || e.stdout || e.message}`);
	}
}

/** Starts PostgreSQL and/or Redis unless they run (installs the Debian packages when missing). */
export async function ensureServices(which: 'postgres' | 'redis' | 'all', log?: (line: string) => void): Promise<void> {
	await script(['start', which], log);
}

/** A fresh, empty database (dropped first if it exists). Names: lower-case letters, digits, `_`. */
export async function createDatabase(name: string): Promise<void> {
	await script(['createdb', name]);
}

export async function dropDatabase(name: string): Promise<void> {
	await script(['dropdb', name]);
}

/** n8n's environment for a database of the private PostgreSQL. */
export function postgresEnv(database: string): Record<string, string> {
	return {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: services.host,
		DB_POSTGRESDB_PORT: String(services.pgPort),
		DB_POSTGRESDB_DATABASE: database,
		DB_POSTGRESDB_USER: services.pgUser,
		// trust authentication on loopback: any password is accepted
		DB_POSTGRESDB_PASSWORD: 'e2e',
	};
}

/**
 * n8n's environment for queue mode on the private Redis. `prefix` keeps installations apart: Bull's
 * keys and n8n's own keys and pub/sub channels (pub/sub ignores Redis' database number).
 */
export function redisEnv(prefix: string): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: services.host,
		QUEUE_BULL_REDIS_PORT: String(services.redisPort),
		QUEUE_BULL_PREFIX: `${prefix}-bull`,
		N8N_REDIS_KEY_PREFIX: prefix,
	};
}
