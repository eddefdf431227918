/**
 * `npm run bench:replies` — IMAP Reply Trigger figures on the local mail stack (must be running:
 * `npm run mailstack start`). Drives the trigger's engine (`ReplyTriggerEngine`, the same object the node's
 * trigger() builds) directly, not through n8n.
 *
 *  1. Emit latency: 30 replies delivered over SMTP (Postfix MX port → LMTP → Dovecot), time from the
 *     SMTP send to the watcher's emit, next to a bare imapflow IDLE client's EXISTS in the same run
 *     (the floor: Dovecot notifies IDLE clients after a fixed delay).
 *  2. Start-up: activation → first IDLE, on an empty mailbox and on a 50,000-message one (median of 5).
 *
 * Uses users u38 (latency), u39 (50k) and u40 (empty). The last line is one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { resolveTriggerOptions } from '../core/trigger/trigger-options';
import { createImapClient } from '../transport/imap-client';
import { ReplyTriggerEngine } from '../transport/reply-trigger-engine';
import { addressOf, mailstack, settingsFor } from '../test/helpers/mailstack';
import { deliver, MemoryStore, ourId, replyRaw, uniqueTag } from '../test/integration/trigger/trigger-fixtures';

const MESSAGES = 30;
const BIG = 50_000;
const STARTUP_RUNS = 5;

function percentile(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return Math.round(sorted[index]);
}

function waitFor<T>(map: Map<string, T>, key: string, timeoutMs: number): Promise<T> {
	return new Promise((resolve, reject) => {
		const until = Date.now() + timeoutMs;
		const check = () => {
			const value = map.get(key);
			if (value !== undefined) return resolve(value);
			if (Date.now() > until) return reject(new Error(`no event for ${key} within ${timeoutMs} ms`));
			setTimeout(check, 2);
		};
		check();
	});
}

async function latency(): Promise<{ emit: number[]; floor: number[] }> {
	const user = 'u38';
	const me = addressOf(user);
	const emitted = new Map<string, number>();
	const watcher = new ReplyTriggerEngine({
		settings: settingsFor(user),
		folders: ['INBOX'],
		options: resolveTriggerOptions(),
		store: new MemoryStore(),
		emit: (items) => {
			const at = performance.now();
			for (const item of items) emitted.set(String(item.json.subject), at);
		},
		onFatal: (error) => {
			throw error;
		},
	});
	await watcher.start();

	// the floor: a bare IDLE client on the same folder, told by EXISTS
	const bare = createImapClient(settingsFor(user), { maxIdleTime: 4 * 60_000 });
	bare.on('error', () => undefined);
	await bare.connect();
	await bare.mailboxOpen('INBOX', { readOnly: true });
	let existsAt = 0;
	let existsCount = 0;
	bare.on('exists', () => {
		existsAt = performance.now();
		existsCount++;
	});
	void bare.idle();

	const tag = uniqueTag();
	const emit: number[] = [];
	const floor: number[] = [];
	for (let i = 0; i < MESSAGES; i++) {
		const subject = `Re: bench ${i} ${tag}`;
		const prospect = 'prospect1@example.test';
		const raw = replyRaw({ from: prospect, to: me, subject, inReplyTo: ourId(`bench-${tag}`, prospect, 1) });
		const before = existsCount;
		const t0 = performance.now();
		await deliver(raw, { from: prospect, to: me });
		const emittedAt = await waitFor(emitted, subject, 15_000);
		while (existsCount === before) await new Promise((r) => setTimeout(r, 2));
		emit.push(emittedAt - t0);
		floor.push(existsAt - t0);
		// bare client: back to IDLE after imapflow handled EXISTS (it stays in IDLE; nothing to do)
		await new Promise((r) => setTimeout(r, 50));
	}
	await watcher.stop();
	await bare.logout();
	return { emit, floor };
}

async function startupMs(user: string): Promise<number> {
	const runs: number[] = [];
	for (let i = 0; i < STARTUP_RUNS; i++) {
		let idleAt = 0;
		let resolveIdle: () => void = () => undefined;
		const idle = new Promise<void>((resolve) => (resolveIdle = resolve));
		const t0 = performance.now();
		const watcher = new ReplyTriggerEngine({
			settings: settingsFor(user),
			folders: ['INBOX'],
			options: resolveTriggerOptions(),
			store: new MemoryStore(),
			emit: () => undefined,
			onFatal: (error) => {
				throw error;
			},
			onWaiting: () => {
				idleAt ||= performance.now();
				resolveIdle();
			},
		});
		await watcher.start();
		await idle;
		runs.push(idleAt - t0);
		await watcher.stop();
	}
	return percentile(runs, 50);
}

/** The same for a bare imapflow client (connect, EXAMINE, IDLE): what the server's folder open costs. */
async function bareStartupMs(user: string): Promise<number> {
	const runs: number[] = [];
	for (let i = 0; i < STARTUP_RUNS; i++) {
		const t0 = performance.now();
		const client = createImapClient(settingsFor(user));
		client.on('error', () => undefined);
		await client.connect();
		await client.mailboxOpen('INBOX', { readOnly: true });
		runs.push(performance.now() - t0);
		await client.logout();
	}
	return percentile(runs, 50);
}

async function messagesIn(user: string): Promise<number> {
	const status = await mailstack('doveadm', 'mailbox', 'status', '-u', addressOf(user), 'messages', 'INBOX');
	return Number(/messages=(\d+)/.exec(status)?.[1] ?? 0);
}

async function main(): Promise<void> {
	await mailstack('status');
	const { emit, floor } = await latency();
	console.log(`emit latency over ${MESSAGES} replies (SMTP send → emit): p50 ${percentile(emit, 50)} ms, p95 ${percentile(emit, 95)} ms`);
	console.log(`bare imapflow IDLE (SMTP send → EXISTS):            p50 ${percentile(floor, 50)} ms, p95 ${percentile(floor, 95)} ms`);

	const have = await messagesIn('u39');
	if (have < BIG) await mailstack('seed', 'u39', 'INBOX', String(BIG - have));
	const big = await messagesIn('u39');
	const empty = await messagesIn('u40');
	const startupEmpty = await startupMs('u40');
	const startupBig = await startupMs('u39');
	const bareEmpty = await bareStartupMs('u40');
	const bareBig = await bareStartupMs('u39');
	console.log(`start-up (activation → first IDLE), median of ${STARTUP_RUNS}: ${startupEmpty} ms on ${empty} messages, ${startupBig} ms on ${big} messages`);
	console.log(`bare imapflow connect + EXAMINE, median of ${STARTUP_RUNS}:         ${bareEmpty} ms on ${empty} messages, ${bareBig} ms on ${big} messages`);
	console.log(
		JSON.stringify({
			emit_p50_ms: percentile(emit, 50),
			emit_p95_ms: percentile(emit, 95),
			floor_p50_ms: percentile(floor, 50),
			startup_empty_ms: startupEmpty,
			startup_50k_ms: startupBig,
			bare_open_empty_ms: bareEmpty,
			bare_open_50k_ms: bareBig,
		}),
	);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		console.error(error);
		process.exit(1);
	},
);
