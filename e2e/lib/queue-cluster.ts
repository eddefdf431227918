/**
 * n8n in queue mode, the way agencies run it when one process is not enough: one main instance (editor,
 * API, triggers and schedules; it only enqueues executions), workers (`n8n worker --concurrency=5`)
 * that run them, Redis as the queue and PostgreSQL as the one database they all share.
 *
 *   const cluster = await QueueCluster.create({ name: 'overlap', nodesTemplate });
 *   await cluster.start();                    // main (migrations, owner, API key), then the workers
 *   cluster.main.api(...)                     // the public API, as on a single instance
 *   await cluster.workerOf(executionId)       // which worker ran an execution (from its log)
 *   await cluster.stop();                     // every process, then the database
 *
 * Every process has its own user folder with the packed package installed in `.n8n/nodes`, as on
 * separate machines (n8n's docs: community nodes must be installed on the workers too); they share the
 * encryption key, the database and the Redis prefix.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import type { RuntimeSpec } from '../../scripts/lib/n8n-runtime';
import { N8nServer } from './n8n-server';
import { createDatabase, dropDatabase, ensureServices, postgresEnv, redisEnv } from './services';

export interface QueueClusterOptions {
	/** Names the database and the Redis prefix (lower-case letters, digits, `_`). */
	name: string;
	/** A nodes folder prepared by `packAndInstallTemplate`, installed into every process' user folder. */
	nodesTemplate: string;
	/** Number of workers (default 2). */
	workers?: number;
	/** Jobs each worker runs at the same time (`--concurrency`, default 5: n8n warns below 5). */
	concurrency?: number;
	/** Extra environment for every process. */
	env?: Record<string, string>;
	runtime?: RuntimeSpec;
	log?: (line: string) => void;
}

/**
 * Log line a worker writes when it takes a job (n8n's JobProcessor, info level), with its metadata:
 * `Worker started execution 5 (job 5) { "executionId": "5", "workflowId": "…", … }`.
 */
const STARTED_EXECUTION = /Worker started execution (\d+) \(job [^)]*\)(?:.*?"workflowId":\s*"([^"]+)")?/;

export class QueueCluster {
	private constructor(
		readonly main: N8nServer,
		readonly workers: N8nServer[],
		readonly database: string,
		readonly concurrency: number,
		private readonly log: (line: string) => void,
	) {}

	static async create(options: QueueClusterOptions): Promise<QueueCluster> {
		const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
		await ensureServices('all', log);
		const id = `${options.name}_${randomBytes(3).toString('hex')}`;
		const database = `n8n_q_${id}`;
		await createDatabase(database);
		const concurrency = options.concurrency ?? 5;
		const encryptionKey = randomBytes(24).toString('hex');
		const env: Record<string, string> = {
			...postgresEnv(database),
			...redisEnv(`q-${id}`),
			// Manual runs (the editor's "Execute workflow", runManually) go to the workers too.
			OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
			// Debug level: "Activated trigger node" on main, "Worker started execution" on the workers.
			N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'debug',
			...options.env,
		};
		const make = (label: string, command: 'start' | 'worker', args: string[] = []): Promise<N8nServer> =>
			N8nServer.create({
				nodesTemplate: options.nodesTemplate,
				encryptionKey,
				command,
				args,
				env,
				runtime: options.runtime,
				log: (line) => log(`[${label}] ${line}`),
			});
		const main = await make('main', 'start');
		const workers: N8nServer[] = [];
		for (let i = 1; i <= (options.workers ?? 2); i++) workers.push(await make(`worker${i}`, 'worker', [`--concurrency=${concurrency}`]));
		return new QueueCluster(main, workers, database, concurrency, log);
	}

	/**
	 * Starts main and the workers side by side (n8n serialises the migrations of the empty database with
	 * an advisory lock, so the workers wait for main's), then creates the owner and an API key.
	 */
	async start(): Promise<Record<string, number>> {
		const t = Date.now();
		await Promise.all([this.main, ...this.workers].map((s) => s.start()));
		await this.main.setupOwner();
		return { main: this.main.readinessSeconds, workers: Math.max(...this.workers.map((w) => w.readinessSeconds)), all: (Date.now() - t) / 1000 };
	}

	/** Stops the workers and main (SIGTERM, then SIGKILL), drops the database, removes the folders. */
	async stop(options: { keep?: boolean } = {}): Promise<void> {
		await Promise.all(this.workers.map((w) => w.stop()));
		await this.main.stop();
		const keep = options.keep ?? process.env.N8N_E2E_KEEP === '1';
		if (keep) {
			this.log(`kept database ${this.database} and folders ${[this.main, ...this.workers].map((s) => s.userFolder).join(' ')}`);
			return;
		}
		await dropDatabase(this.database).catch((err: unknown) => this.log(`could not drop ${this.database}: ${String(err)}`));
		for (const s of [this.main, ...this.workers]) fs.rmSync(s.userFolder, { recursive: true, force: true });
	}

	/** Index (0-based) of the worker whose log says it started `executionId`, if any has yet. */
	workerOf(executionId: string): number | undefined {
		const index = this.workers.findIndex((w) => this.startedExecutions(w).some((e) => e.executionId === executionId));
		return index < 0 ? undefined : index;
	}

	/**
	 * Polls the workers' logs until one started an execution of `workflowId` that is not in `except`;
	 * returns its id and the worker's index. (The public API lists executions once they finish.)
	 */
	async waitForStartedExecution(workflowId: string, except: Set<string> = new Set(), timeoutMs = 120_000): Promise<{ executionId: string; worker: number }> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			for (const [worker, w] of this.workers.entries()) {
				const found = this.startedExecutions(w).find((e) => e.workflowId === workflowId && !except.has(e.executionId));
				if (found) return { executionId: found.executionId, worker };
			}
			if (Date.now() > deadline) throw this.main.failure(`no worker started an execution of workflow ${workflowId} within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}

	/** Polls the workers' logs until one took `executionId`; returns its index. */
	async waitForWorkerOf(executionId: string, timeoutMs = 60_000): Promise<number> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const index = this.workerOf(executionId);
			if (index !== undefined) return index;
			if (Date.now() > deadline) throw this.main.failure(`no worker took execution ${executionId} within ${timeoutMs / 1000} s`);
			await new Promise((resolve) => setTimeout(resolve, 250));
		}
	}

	/** Executions a worker has started (id and workflow id), in its log's order. */
	startedExecutions(worker: N8nServer): Array<{ executionId: string; workflowId: string | undefined }> {
		let text = '';
		try {
			text = fs.readFileSync(worker.logFile, 'utf8');
		} catch {
			return [];
		}
		return text.split('\n').flatMap((line) => {
			const m = STARTED_EXECUTION.exec(line);
			return m ? [{ executionId: m[1], workflowId: m[2] }] : [];
		});
	}

}
