/**
 * Trigger catch-up after a day of downtime (issue #10): the IMAP Reply Trigger's engine starts with a
 * saved cursor, and 5,000 messages arrived meanwhile, 100 of them replies to the sequence (in thread),
 * the others everyday mail (one in 40 with a 150 KB attachment). The trigger reads headers first and
 * fetches the source of candidates only (`transport/folder-watcher.ts`). Measures the time from `start()` to the
 * 100th emitted reply and the process's peak RSS over that time (sampled every 10 ms) above its idle RSS
 * just before. Also checks every reply is emitted once, in arrival order.
 *
 * User `bench-catchup`, rebuilt for every run (maildir-seeded: 1,000 old messages, then the 5,000).
 * `catchUpInChild` runs it in a fresh process (`catchup-child.ts`), so the idle RSS is a trigger
 * process's, not one the bench's earlier phases have grown.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveTriggerOptions } from '../../core/trigger/trigger-options';
import { emptyTriggerState, type TriggerState } from '../../core/trigger/trigger-state';
import { sharedInboundReader } from '../../transport/inbound-reader';
import { ReplyTriggerEngine, type TriggerStateStore } from '../../transport/reply-trigger-engine';
import { addressOf, mailstack, settingsFor } from '../../test/helpers/mailstack';
import { seedMailbox, type SeedMessage } from '../../test/helpers/maildir-seed';
import { answer, everydayInbound } from '../../test/helpers/scale-mail';
import { childFigure } from './child-figure';

export const CATCHUP_USER = 'bench-catchup';
const OLD = 1_000;
const NEW = 5_000;
const MATCHING = 100;
const SEQUENCE_KEY = 'bench-catchup-seq';
const DAY = 24 * 60 * 60 * 1000;

class Store implements TriggerStateStore {
	constructor(private state: TriggerState) {}
	load(): TriggerState {
		return structuredClone(this.state);
	}
	save(state: TriggerState): void {
		this.state = structuredClone(state);
	}
}

export interface CatchupFigure {
	ms: number;
	peakRssDeltaMb: number;
	emitted: number;
	/** Messages whose header fields were fetched (headers first) / whose source was fetched, and its bytes. */
	headersFetched: number;
	sourcesFetched: number;
	sourceBytes: number;
	/** Classification worker threads started (1 unless a message ran long enough to start a standby). */
	workersStarted: number;
}

/** One catch-up run (seeds the mailbox first, not timed). */
export async function catchUpOnce(): Promise<CatchupFigure> {
	const me = addressOf(CATCHUP_USER);
	const start = Date.now() - 2 * DAY;
	const prospects: string[] = [];
	const messages = function* (): Generator<SeedMessage> {
		for (let i = 0; i < OLD; i++) yield everydayInbound(i, me, new Date(start + i * 1000));
		const every = NEW / MATCHING;
		for (let i = 0; i < NEW; i++) {
			const at = new Date(start + DAY + i * 10_000);
			if (i % every === every - 1) {
				const prospect = `catch${prospects.length}@client${prospects.length}.test`;
				prospects.push(prospect);
				yield answer('reply', { sequenceKey: SEQUENCE_KEY, sender: me, prospect, step: 1, subject: 'Quick question', receivedAt: at });
			} else yield everydayInbound(OLD + i, me, at);
		}
	};
	const uidValidity = Math.floor(Date.now() / 1000);
	await seedMailbox(CATCHUP_USER, { INBOX: messages() }, uidValidity);
	const status = await mailstack('doveadm', 'mailbox', 'status', '-u', me, 'uidvalidity', 'INBOX');
	const realValidity = /uidvalidity=(\d+)/.exec(status)?.[1] ?? String(uidValidity);
	const state = emptyTriggerState();
	state.folders.INBOX = { uidValidity: realValidity, lastUid: OLD, savedAt: new Date(start + DAY - 1000).toISOString() };

	const emitted: string[] = [];
	let done: () => void = () => undefined;
	const all = new Promise<void>((resolve) => (done = resolve));
	let fatal: Error | undefined;
	const engine = new ReplyTriggerEngine({
		settings: settingsFor(CATCHUP_USER),
		folders: ['INBOX'],
		options: resolveTriggerOptions({ sequenceKeys: SEQUENCE_KEY }),
		store: new Store(state),
		emit: (items) => {
			for (const item of items) emitted.push(String(item.json.from ?? ''));
			if (emitted.length >= MATCHING) done();
		},
		onFatal: (error) => {
			fatal = error;
			done();
		},
	});
	global.gc?.();
	const idle = process.memoryUsage().rss;
	let peak = idle;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
	const t0 = performance.now();
	try {
		await engine.start();
		await all;
	} finally {
		clearInterval(sampler);
		await engine.stop();
	}
	const ms = performance.now() - t0;
	peak = Math.max(peak, process.memoryUsage().rss);
	if (fatal) throw fatal;
	// every reply once, in arrival order
	const expected = prospects.join(',');
	const got = emitted.map((f) => /[^<\s"]+@[^>\s"]+/.exec(f)?.[0] ?? f).join(',');
	if (got !== expected) throw new Error(`catch-up emitted ${emitted.length} items, not the ${MATCHING} replies once each in arrival order`);
	const stats = engine.watchers[0].stats;
	return {
		ms,
		peakRssDeltaMb: Math.round(((peak - idle) / (1024 * 1024)) * 10) / 10,
		emitted: emitted.length,
		headersFetched: stats.headersFetched,
		sourcesFetched: stats.fetched,
		sourceBytes: stats.fetchedBytes,
		workersStarted: sharedInboundReader().workersStarted,
	};
}

/** One catch-up in a fresh child process (tsx, --expose-gc); its last stdout line is the figure. */
export function catchUpInChild(): Promise<CatchupFigure> {
	return childFigure<CatchupFigure>('catch-up child', path.join(__dirname, 'catchup-child.ts'), { nodeFlags: ['--expose-gc'] });
}
