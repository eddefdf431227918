/**
 * Worker processes as the parent sees them: fork one (it loads n8n-core, then says ready), send it runs,
 * SIGKILL it. Loading takes seconds on a busy machine, so the kill phase forks the next worker while the
 * current one runs.
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { RunOutcome, RunSpec } from './setup';
import type { FromWorker, ToWorker } from './worker';

const WORKER = path.join(__dirname, 'worker.ts');

/** A forked worker. */
export class Worker {
	private nextId = 1;
	private readonly pending = new Map<number, (outcome: RunOutcome) => void>();
	readonly ready: Promise<void>;
	/** Resolves with the signal or exit code when the process is gone. */
	readonly exited: Promise<string>;
	private killedAt?: number;

	private constructor(private readonly child: ChildProcess) {
		this.ready = new Promise((resolve, reject) => {
			child.on('message', (message: FromWorker) => {
				if (message.type === 'ready') resolve();
				else {
					this.pending.get(message.id)?.(message.outcome);
					this.pending.delete(message.id);
				}
			});
			child.once('exit', (code) => reject(new Error(`worker exited (${String(code)}) before it was ready`)));
		});
		this.ready.catch(() => undefined);
		this.exited = new Promise((resolve) => {
			child.once('exit', (code, signal) => {
				for (const settle of this.pending.values()) settle({ statuses: [], error: `worker ended (${signal ?? String(code)})` });
				this.pending.clear();
				resolve(signal ?? String(code));
			});
		});
	}

	static start(): Worker {
		const child = fork(WORKER, [], {
			execArgv: ['--import', 'tsx'],
			env: process.env,
			stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
		});
		return new Worker(child);
	}

	get pid(): number | undefined {
		return this.child.pid;
	}

	/** Whether the worker was killed (by {@link kill}). */
	get killed(): boolean {
		return this.killedAt !== undefined;
	}

	/** Runs a spec; resolves with its outcome, or with an error outcome if the worker dies first. */
	run(spec: RunSpec): Promise<RunOutcome> {
		const id = this.nextId++;
		const done = new Promise<RunOutcome>((resolve) => this.pending.set(id, resolve));
		const message: ToWorker = { type: 'run', id, spec };
		this.child.send(message);
		return done;
	}

	/** SIGKILL, at once (synchronous: the bytes the caller did not forward yet never reach a server). */
	kill(): void {
		if (this.killedAt !== undefined || this.child.exitCode !== null) return;
		this.killedAt = Date.now();
		this.child.kill('SIGKILL');
	}

	/** Ends a worker that is not needed any more (its IPC channel closes; it exits by itself). */
	async end(): Promise<void> {
		if (this.child.connected) this.child.disconnect();
		const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
		await this.exited;
		clearTimeout(timer);
	}
}
