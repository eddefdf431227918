/**
 * Kill phase: a worker runs a sequence step for three prospects through taps in front of the stack's
 * plain IMAP and SMTP ports, and is SIGKILLed at a chosen point of the protocol — or at a random time.
 * Follow-up runs (in this process, straight to the stack) then take the same prospects to the end of the
 * sequence. The mailbox must never hold a step twice.
 */
import { stack } from '../../test/helpers/mailstack';
import type { ChaosContext } from './context';
import { runSpec } from './worker';
import { Worker } from './workers';
import { directEndpoints, prospectsOf, Rng, USERS, type RunSpec } from './setup';
import { wireTap, type Tap } from './wire-tap';

/** Where a worker dies. */
export const KILL_POINTS = [
	'before-append', // its claim's APPEND never reaches the server
	'after-append', // the server stored the claim and answered; the worker never hears it
	'during-data', // half of the message went to the SMTP server
	'after-dot', // the whole message and its final "." reached the server; the answer never comes back
	'confirm-before', // the $SeqSent STORE of accepted sends never reaches the server
	'confirm-after', // the STORE reached the server; the worker dies before the answer
	'random-time', // at a random moment after the run began
] as const;
export type KillPoint = (typeof KILL_POINTS)[number];

const STEPS = 2;
const PROSPECTS = 3;
const FINAL_DOT = '\r\n.\r\n';
/** Workers loading ahead of the ones that run. */
const PREWARM = 3;
/** Kill runs side by side. */
const LANES = 2;

/** Taps that kill at the `nth` occurrence of `point` (none for a random time). */
function killTaps(point: KillPoint, nth: number, kill: () => void): { imap?: Tap; smtp?: Tap } {
	let seen = 0;
	const hit = () => ++seen === nth;
	switch (point) {
		case 'before-append':
			return {
				imap: ({ toServer, chunk }) => {
					if (toServer && /^\S+ APPEND /m.test(chunk.toString('latin1')) && hit()) {
						kill();
						return Buffer.alloc(0);
					}
					return undefined;
				},
			};
		case 'after-append':
			return {
				imap: ({ toServer, chunk }) => {
					if (!toServer && chunk.includes('[APPENDUID') && hit()) kill();
					return undefined;
				},
			};
		case 'confirm-before':
		case 'confirm-after':
			return {
				imap: ({ toServer, chunk }) => {
					if (toServer && /STORE [^\r\n]*\$SeqSent/i.test(chunk.toString('latin1'))) {
						kill();
						return point === 'confirm-before' ? Buffer.alloc(0) : undefined;
					}
					return undefined;
				},
			};
		case 'during-data':
		case 'after-dot':
			return {
				smtp: ({ connection, toServer, chunk }) => {
					const text = chunk.toString('latin1');
					if (!toServer) {
						if (/^354[ -]/m.test(text)) {
							connection.state.inData = true;
							connection.state.firstChunk = true;
						}
						return undefined;
					}
					if (connection.state.inData !== true) return undefined;
					// the final "." may arrive split over chunks: look at the end of the previous one too
					const seenEnd = `${String(connection.state.tail ?? '')}${text}`.includes(FINAL_DOT);
					connection.state.tail = text.slice(-(FINAL_DOT.length - 1));
					if (seenEnd) {
						connection.state.inData = false;
						connection.state.tail = '';
					}
					const first = connection.state.firstChunk === true;
					connection.state.firstChunk = false;
					if (point === 'during-data' && first && hit()) {
						kill();
						// the first half of the message's first chunk: never its end
						return chunk.subarray(0, Math.floor(chunk.length / 2));
					}
					if (point === 'after-dot' && seenEnd && hit()) kill();
					return undefined;
				},
			};
		case 'random-time':
			return {};
	}
}

/** Loading n8n-core takes seconds of CPU: workers load ahead of the ones that run. */
class WorkerPool {
	private readonly loading: Worker[] = [];
	constructor(ahead: number) {
		for (let i = 0; i < ahead; i++) this.loading.push(Worker.start());
	}
	async take(): Promise<Worker> {
		const worker = this.loading.shift() ?? Worker.start();
		this.loading.push(Worker.start());
		await worker.ready;
		return worker;
	}
	async end(): Promise<void> {
		await Promise.all(this.loading.splice(0).map((w) => w.end().catch(() => undefined)));
	}
}

/** Who sends the kill runs, where they die, and which counter counts them. */
export interface KillVariant {
	phase: 'kill' | 'nokeywords';
	sender: string;
	/** Prefix of sequence keys and prospect tags, unique per variant. */
	tag: string;
	points: readonly KillPoint[];
	/** Counts a kill at its point. */
	killed(ctx: ChaosContext, point: KillPoint): void;
	/** Kills counted so far. */
	kills(ctx: ChaosContext): number;
}

/** The kill phase: u101, every kill point. */
export const KILL_RUNS: KillVariant = {
	phase: 'kill',
	sender: USERS.killSender,
	tag: 'k',
	points: KILL_POINTS,
	killed: (ctx, point) => {
		ctx.faults.killRuns++;
		ctx.faults.killPoints[point] = (ctx.faults.killPoints[point] ?? 0) + 1;
	},
	kills: (ctx) => ctx.faults.killRuns,
};

/** One kill run and its follow-ups; true if the worker was killed at its point. */
async function killRun(ctx: ChaosContext, i: number, worker: Worker, variant: KillVariant): Promise<boolean> {
	// each run's choices come from its own generator, so lanes finishing in any order keep them
	const rng = new Rng(ctx.options.seed * 7919 + i + (variant.phase === 'kill' ? 0 : 1_000_003));
	const key = `chaos-${ctx.options.seed}-${variant.phase}-${i}`;
	const prospects = prospectsOf(USERS.killRecipients, `${variant.tag}${i}`, PROSPECTS);
	ctx.plans.push({ phase: variant.phase, key, prospects, steps: STEPS });
	const base: Omit<RunSpec, 'endpoints' | 'label'> = {
		sender: variant.sender,
		sequenceKey: key,
		prospects,
		steps: STEPS,
		pacing: { minSeconds: 0, maxSeconds: 0 },
		dailyLimit: 100_000,
	};
	// every other run kills during step 2 (a follow-up in the thread)
	if (i % STEPS === 1) await runSpec({ ...base, endpoints: directEndpoints(), label: `kill ${i} warm-up` });

	const point = rng.pick(variant.points);
	const nth = rng.int(1, PROSPECTS);
	const delay = rng.int(20, 1500);
	const taps = killTaps(point, nth, () => worker.kill());
	const imapTap = await wireTap({ host: stack.host, port: stack.imapPort });
	const smtpTap = await wireTap({ host: stack.host, port: stack.mxPort });
	imapTap.tap = taps.imap;
	smtpTap.tap = taps.smtp;
	let killed: boolean;
	try {
		const running = worker.run({
			...base,
			endpoints: { imap: { port: imapTap.port, security: 'none' }, smtp: { port: smtpTap.port, security: 'none' } },
			label: `${variant.phase} ${i}`,
		});
		const timer = point === 'random-time' ? setTimeout(() => worker.kill(), delay) : undefined;
		const outcome = await running;
		clearTimeout(timer);
		killed = worker.killed;
		if (killed) {
			await worker.exited;
			variant.killed(ctx, point);
		} else {
			ctx.log(`${variant.phase} ${i}: the run ended before its kill point (${point} #${nth}), not counted: ${outcome.error ?? outcome.statuses.map((s) => s.status).join(',')}`);
			await worker.end();
		}
	} finally {
		await imapTap.close();
		await smtpTap.close();
	}
	// follow-up runs take every prospect to the end of the sequence
	for (let r = 0; r < STEPS + 1; r++) {
		const after = await runSpec({ ...base, endpoints: directEndpoints(), label: `kill ${i} follow-up` });
		if (after.error) ctx.log(`kill ${i} follow-up: ${after.error}`);
		const done = (s: { status: string; step?: number }) => s.status === 'completed' || (s.status === 'sent' && s.step === STEPS);
		if (after.statuses.length > 0 && after.statuses.every(done)) break;
	}
	return killed;
}

/**
 * Runs the phase until `count` workers were killed at their point (a run that ends first is not
 * counted; at most twice `count` runs), in `LANES` lanes side by side: each run has its own sequence,
 * prospects and taps, and most of a run's time is waiting on the servers.
 */
export async function killPhase(ctx: ChaosContext, count: number, variant: KillVariant = KILL_RUNS): Promise<void> {
	const pool = new WorkerPool(PREWARM);
	let next = 0;
	const target = variant.kills(ctx) + count;
	const lane = async () => {
		while (variant.kills(ctx) < target && next < 2 * count) {
			const i = next++;
			await killRun(ctx, i, await pool.take(), variant);
			if ((i + 1) % 10 === 0) ctx.log(`${variant.phase}: ${i + 1} runs, ${variant.kills(ctx)} killed`);
		}
	};
	try {
		await Promise.all(Array.from({ length: LANES }, lane));
	} finally {
		await pool.end();
	}
}
