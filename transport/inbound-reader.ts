/**
 * Reads inbound messages under a hard time budget: the one way the IMAP Reply Trigger and the SMTP
 * Sequence ledger classify mail. Anyone can send mail to a watched inbox, and classification runs in
 * n8n's process, so it runs on a worker thread: a message that is not read within the budget gets its
 * worker terminated (which stops even a running regular expression) and is answered from its raw header
 * (`unreadReading`: class `reply`, `classReason` `fallback:time-budget`). The event loop of n8n never
 * waits for a message; a slow one delays only the messages queued behind it: by the budget when a
 * standby worker, started while it ran long, takes them over, and by a new worker's start as well when
 * none could be ready (see `InboundReader`).
 *
 * The worker runs the compiled `classify-worker.js` next to this file inside n8n (the package is loaded
 * from `dist/`), and the TypeScript source through tsx's require hook in tests and scripts.
 */
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { readInbound, unreadReading, type InboundReading, type UnreadCause } from '../core/classify/inbound';
import type { ReadRequest, WorkerReply } from './inbound-worker';

/** Tunables of an `InboundReader`. */
export interface InboundReaderOptions {
	/**
	 * How long one message may take on the worker, in ms, from the moment the worker gets it.
	 * Default `CLASSIFY_BUDGET_MS`.
	 */
	budgetMs?: number;
	/**
	 * How long a message may run on the worker before a standby worker is started beside it, in ms.
	 * Default a quarter of the budget (50 ms for `CLASSIFY_BUDGET_MS`).
	 */
	standbyAfterMs?: number;
	/** How long an idle worker is kept before it is stopped (it is started again on the next message), in ms. Default 60 s. */
	idleMs?: number;
	/** The worker module, for tests of the budget itself (a worker that never answers). Default: `classify-worker`. */
	workerEntry?: string;
}

/**
 * Time budget of one message. Real mail takes 1–20 ms on the worker (corpus: median 3 ms, a 1 MiB
 * message 60 ms); hostile mail is linear-time but may be large. 200 ms keeps a cut-off message within
 * 250 ms of the call, worker hop included (docs/reliability.md, "Security").
 */
export const CLASSIFY_BUDGET_MS = 200;

/**
 * Environment variable that sets the shared reader's budget in ms (n8n's host is set up by its admin; on a
 * host whose cores are busy, real mail may need more than 200 ms of wall time). Values below
 * `CLASSIFY_BUDGET_MS` or not a number are ignored. The test suite sets it high: only the tests of the
 * budget itself (which build their own readers) should see a message cut off.
 */
export const CLASSIFY_BUDGET_ENV = 'SMTP_SEQUENCE_CLASSIFY_BUDGET_MS';

/** The shared reader's budget: `CLASSIFY_BUDGET_ENV` when set to a number ≥ `CLASSIFY_BUDGET_MS`, else that. */
export function configuredBudgetMs(env: NodeJS.ProcessEnv = process.env): number {
	const value = Number(env[CLASSIFY_BUDGET_ENV]);
	return Number.isFinite(value) && value >= CLASSIFY_BUDGET_MS ? value : CLASSIFY_BUDGET_MS;
}

const IDLE_MS = 60_000;

/**
 * Share of the budget a message may run before a standby worker starts beside it. At the default budget
 * that is 50 ms: the slowest of the shared corpus's 415 real messages reads in 47 ms on a quiet machine
 * (median 2 ms), and a standby needs ~0.2 s from its start to its first reading, so one started at 50 ms
 * is ready soon after a cut-off at 200 ms (docs/benchmarks.md, bench:scale "Run 8").
 */
const STANDBY_AFTER_BUDGET_SHARE = 0.25;

/** Heap of the worker: a 1 MiB message needs a few tens of MB; a memory bomb ends the worker, not n8n. */
const WORKER_HEAP_MB = 256;

/** Starting the worker failed this many times in a row: read in this thread from then on (see `read`). */
const MAX_START_FAILURES = 2;

interface Job {
	id: number;
	raw: Buffer;
	resolve(reading: InboundReading): void;
}

/** The classification worker: the compiled file in `dist/`, or the TypeScript source in tests and scripts. */
const CLASSIFY_WORKER = join(__dirname, `classify-worker${extname(__filename)}`);

/** Starts a worker on `entry`: a compiled `.js` file directly, a `.ts` source through tsx's require hook. */
function startWorker(entry: string): Worker {
	const resourceLimits = { maxOldGenerationSizeMb: WORKER_HEAP_MB };
	if (extname(entry) !== '.ts') return new Worker(entry, { resourceLimits });
	// ts-jest and tsx load this file from source; the worker needs a TypeScript loader of its own
	const bootstrap = "const { workerData } = require('node:worker_threads'); require(workerData.loader).register(); require(workerData.entry);";
	return new Worker(bootstrap, { eval: true, workerData: { loader: require.resolve('tsx/cjs/api'), entry }, resourceLimits });
}

/** One worker thread: whether it can read yet (`ready`), has warmed up (`warm`), and whether it takes messages before that. */
interface Slot {
	worker: Worker;
	ready: boolean;
	warm: boolean;
	/**
	 * A standby that took over after a cut-off: it is given messages once it is ready, its warm-up going on
	 * between them, since the message behind the cut-off one is already waiting. A worker started for the
	 * queue is given messages once it is warm (the warm-up does not count against anyone's budget then).
	 */
	eager: boolean;
}

/**
 * How long a cut-off worker may take to exit before its replacement starts anyway, when no standby took
 * over. `terminate()` stops a thread within milliseconds, even inside a regular expression; the wait only
 * keeps the two from holding memory at the same time, and must not hold the queue up if a thread is slow
 * to go.
 */
const REPLACE_WAIT_MS = 1_000;

/**
 * A queue of messages read one at a time on one worker thread, each within the time budget. When a
 * message runs out of time its worker is terminated and the messages behind it go to a standby worker.
 *
 * The standby is not kept all the time: a worker with mailparser loaded costs the process 30–40 MB of
 * RSS while it loads and warms up and ~12 MB once idle, and a trigger's catch-up must stay within idle
 * RSS + 50 MB (docs/design.md, "Classifying untrusted mail"). It is started when the message in hand has
 * run for `standbyAfterMs` (real mail reads in 1–20 ms; a message that runs that long is likely to be cut
 * off), so it has loaded by the time the budget runs out, and it is kept, warming up in between, until
 * the reader goes idle. When it takes over, the next standby starts as soon as it is warm (hostile mail
 * comes in runs). Without one (a cut-off on a worker still warming up, a budget shorter than the
 * standby's delay, a standby that failed to start), the replacement of a cut-off worker starts once that
 * one has exited, and the messages behind wait for its warm-up (0.3–2 s).
 */
export class InboundReader {
	private readonly budgetMs: number;
	private readonly standbyAfterMs: number;
	private readonly idleMs: number;
	private readonly workerEntry: string;
	private active?: Slot;
	private standby?: Slot;
	/** A cut-off worker is being terminated and no standby took over: the next one starts when this settles. */
	private replacing?: Promise<void>;
	/** Cut-off workers still exiting after a standby took over (awaited by `close`). */
	private readonly exiting = new Set<Promise<void>>();
	/** A standby was due while the active worker was still warming up: it starts when that one is warm. */
	private standbyWanted = false;
	private readonly queue: Job[] = [];
	private current?: { job: Job; timer: NodeJS.Timeout; standbyTimer: NodeJS.Timeout };
	private idleTimer?: NodeJS.Timeout;
	private nextId = 1;
	private startFailures = 0;
	private closed = false;
	private started = 0;

	constructor(options: InboundReaderOptions = {}) {
		this.budgetMs = options.budgetMs ?? CLASSIFY_BUDGET_MS;
		this.standbyAfterMs = options.standbyAfterMs ?? Math.round(this.budgetMs * STANDBY_AFTER_BUDGET_SHARE);
		this.idleMs = options.idleMs ?? IDLE_MS;
		this.workerEntry = options.workerEntry ?? CLASSIFY_WORKER;
	}

	/** Worker threads this reader has started (the first one, standbys and replacements), for benches and tests. */
	get workersStarted(): number {
		return this.started;
	}

	/**
	 * Reads one raw message. Never rejects: a message that runs out of time, or a worker that dies on it,
	 * gives `unreadReading`. If no worker can be started at all (a platform without worker threads), the
	 * message is read in this thread, where the patterns' linear time is the only bound.
	 */
	read(raw: Buffer): Promise<InboundReading> {
		if (this.closed || this.startFailures >= MAX_START_FAILURES) return readInbound(raw);
		return new Promise((resolve) => {
			this.queue.push({ id: this.nextId++, raw, resolve });
			this.pump();
		});
	}

	/**
	 * Starts the worker now if none is running (starting one takes 0.2–2 s; more on a busy host), so the
	 * first message does not wait for it. The worker does not keep the process alive while idle.
	 */
	warm(): void {
		if (this.closed || this.active || this.replacing || this.startFailures >= MAX_START_FAILURES) return;
		this.active = this.standby ?? this.spawn();
		this.standby = undefined;
		if (this.queue.length === 0) this.active?.worker.unref();
	}

	/** Stops the workers; queued and later messages are read in this thread. */
	async close(): Promise<void> {
		this.closed = true;
		const waiting = this.queue.splice(0);
		const workers = [this.active?.worker, this.standby?.worker];
		this.drop();
		this.dropStandby();
		if (this.current) this.finish(unreadReading(this.current.job.raw, 'unreadable'));
		for (const job of waiting) job.resolve(await readInbound(job.raw));
		await Promise.all([...workers.map((worker) => worker?.terminate()), this.replacing, ...this.exiting]);
	}

	private pump(): void {
		if (this.current || this.queue.length === 0) return;
		clearTimeout(this.idleTimer);
		// a cut-off worker is still exiting: its replacement starts (and pumps) when it is gone
		if (this.replacing) return;
		if (!this.active) {
			this.active = this.standby ?? this.spawn();
			this.standby = undefined;
		}
		if (!this.active) return;
		// messages are waiting: the worker keeps the process alive until they are answered (one started by
		// `warm` was unreferenced, and a pending promise alone does not keep Node running)
		this.active.worker.ref();
		if (!(this.active.warm || (this.active.eager && this.active.ready))) return;
		const job = this.queue.shift() as Job;
		const copy = new Uint8Array(job.raw.byteLength);
		copy.set(job.raw);
		this.active.worker.postMessage({ id: job.id, raw: copy } satisfies ReadRequest, [copy.buffer]);
		this.current = {
			job,
			timer: setTimeout(() => this.fail('time-budget'), this.budgetMs),
			standbyTimer: setTimeout(() => this.startStandby(), this.standbyAfterMs),
		};
	}

	/**
	 * Starts a standby beside the active worker, unless one is there. Only one worker warms up at a time:
	 * beside an active worker that is still warming up, the standby starts once that one is warm. So after
	 * a cut-off on a worker that had no time to warm up, the next worker is started only after that one
	 * has exited and is given messages once warm — a run of hostile mail on a busy host does not become a
	 * run of cold workers each cut off in turn.
	 */
	private startStandby(): void {
		if (this.standby || this.closed || this.startFailures >= MAX_START_FAILURES) return;
		if (!this.active?.warm) {
			this.standbyWanted = true;
			return;
		}
		this.standbyWanted = false;
		this.standby = this.spawn();
		// it never holds a message: only the active worker keeps the process alive
		this.standby?.worker.unref();
	}

	private spawn(): Slot | undefined {
		let worker: Worker;
		try {
			worker = startWorker(this.workerEntry);
		} catch {
			this.startFailed();
			return undefined;
		}
		this.started++;
		const slot: Slot = { worker, ready: false, warm: false, eager: false };
		worker.on('message', (reply: WorkerReply) => {
			if ('ready' in reply || 'warm' in reply) {
				slot.ready = true;
				if ('warm' in reply) slot.warm = true;
				if (slot === this.active) {
					this.startFailures = 0;
					if (slot.warm && this.standbyWanted) this.startStandby();
					this.pump();
				}
			} else if (slot === this.active && this.current?.job.id === reply.id) {
				this.finish(reply.reading ?? unreadReading(this.current.job.raw, 'unreadable'));
			}
		});
		// a crash, an out-of-memory end or a failed start: the message in hand is answered, the next one gets another worker
		const lost = (): void => this.lost(slot);
		worker.on('error', lost);
		worker.on('exit', lost);
		return slot;
	}

	private lost(slot: Slot): void {
		if (slot === this.standby) {
			this.dropStandby();
			return;
		}
		if (slot !== this.active) return;
		if (!slot.ready) {
			this.drop();
			this.startFailed();
			return;
		}
		if (this.current) this.fail('unreadable');
		else {
			this.drop();
			this.pump();
		}
	}

	private startFailed(): void {
		this.startFailures++;
		if (this.startFailures < MAX_START_FAILURES) {
			this.pump();
			return;
		}
		for (const job of this.queue.splice(0)) void readInbound(job.raw).then(job.resolve);
	}

	/**
	 * The message in hand ran out of time or lost its worker: answer it from its header and terminate the
	 * worker (this stops it even inside a running regular expression). The standby takes over at once; if
	 * there is none, the next worker starts once this one has exited (or after `REPLACE_WAIT_MS`), at
	 * once, so it is warm for the next message.
	 */
	private fail(cause: UnreadCause): void {
		if (!this.current) return;
		const worker = this.active?.worker;
		this.drop();
		const exited = worker?.terminate().then(
			() => undefined,
			() => undefined,
		);
		const tookOver = this.standby;
		if (tookOver) {
			this.active = tookOver;
			tookOver.eager = true;
			this.standby = undefined;
			if (exited) {
				this.exiting.add(exited);
				void exited.then(() => this.exiting.delete(exited));
			}
		} else if (exited) {
			let timer: NodeJS.Timeout | undefined;
			const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, REPLACE_WAIT_MS)));
			this.replacing = Promise.race([exited, waited]).then(() => {
				clearTimeout(timer);
				this.replacing = undefined;
				if (this.queue.length > 0) this.pump();
				else this.warm();
			});
		}
		this.finish(unreadReading(this.current.job.raw, cause));
		// hostile mail comes in runs: the next standby starts now (after the answer and the next message's
		// dispatch), not when a message runs long
		if (tookOver) this.startStandby();
	}

	private finish(reading: InboundReading): void {
		if (!this.current) return;
		const { job, timer, standbyTimer } = this.current;
		clearTimeout(timer);
		clearTimeout(standbyTimer);
		this.current = undefined;
		job.resolve(reading);
		if (this.queue.length > 0) {
			this.pump();
			return;
		}
		this.active?.worker.unref();
		if (!this.closed) {
			this.idleTimer = setTimeout(() => {
				if (this.current || this.queue.length > 0) return;
				const workers = [this.active?.worker, this.standby?.worker];
				this.drop();
				this.dropStandby();
				this.standbyWanted = false;
				for (const worker of workers) void worker?.terminate();
			}, this.idleMs);
			this.idleTimer.unref();
		}
	}

	private drop(): void {
		this.active?.worker.removeAllListeners('message');
		this.active = undefined;
		clearTimeout(this.idleTimer);
	}

	private dropStandby(): void {
		this.standby?.worker.removeAllListeners('message');
		this.standby = undefined;
	}
}

let shared: InboundReader | undefined;

/** The process's reader, shared by every trigger and sequence run of the n8n instance (one worker thread). */
export function sharedInboundReader(): InboundReader {
	shared ??= new InboundReader({ budgetMs: configuredBudgetMs() });
	return shared;
}
