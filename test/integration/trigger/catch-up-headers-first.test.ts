/**
 * Catch-up after downtime reads headers first (issue #10): the trigger fetches a few header fields of
 * every message that arrived while it was down and the source only of candidates (threaded to our ids,
 * or machine-made), at most `sourceCap` bytes each; every match is emitted once, in arrival order, also
 * when an emit fails half-way. Users s17 (scope "sequence") and s18 (scope "all"), maildir-seeded.
 */
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import { emptyTriggerState } from '../../../core/trigger/trigger-state';
const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
import { ReplyTriggerEngine, type EmittedReply } from '../../../transport/reply-trigger-engine';
import { addressOf, mailstack, settingsFor } from '../../helpers/mailstack';
import { seedMailbox, type SeedMessage } from '../../helpers/maildir-seed';
import { answer, everydayInbound, type AnswerKind } from '../../helpers/scale-mail';
import { MemoryStore } from './trigger-fixtures';

jest.setTimeout(180_000);

const DAY = 24 * 60 * 60 * 1000;
const OLD = 40;
const SEQUENCE_KEY = 'catch-up-headers-first';

/** A bounce for an address that never got a sequence email: machine-made, so fetched, but not ours. */
function foreignBounce(me: string, at: Date): SeedMessage {
	const raw = [
		'From: Mail Delivery System <MAILER-DAEMON@mail.example.test>',
		`To: ${me}`,
		'Subject: Undelivered Mail Returned to Sender',
		`Date: ${at.toUTCString()}`,
		`Message-ID: <bounce.${at.getTime()}@mail.example.test>`,
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=us-ascii',
		'',
		'<someone@nowhere.test>: host mx.nowhere.test said: 550 5.1.1 User unknown',
		'',
	].join('\r\n');
	return { raw, receivedAt: at };
}

/** A reply in the thread that carries a 3 MB attachment: larger than the source cap. */
function bigReply(me: string, prospect: string, at: Date): SeedMessage {
	const plain = answer('reply', { sequenceKey: SEQUENCE_KEY, sender: me, prospect, step: 1, subject: 'Quick question', receivedAt: at });
	const [head] = plain.raw.split('\r\nMIME-Version: 1.0\r\n');
	const blob = Buffer.alloc(3 * 1024 * 1024, 7).toString('base64').replace(/.{76}/g, '$&\r\n');
	const body = [
		'MIME-Version: 1.0',
		'Content-Type: multipart/mixed; boundary="big"',
		'',
		'--big',
		'Content-Type: text/plain; charset=utf-8',
		'',
		'Thanks, sounds interesting. The deck is attached.',
		'--big',
		'Content-Type: application/pdf; name="deck.pdf"',
		'Content-Transfer-Encoding: base64',
		'',
		blob,
		'--big--',
		'',
	].join('\r\n');
	return { raw: `${head}\r\n${body}`, receivedAt: at };
}

interface Arrivals {
	messages: SeedMessage[];
	/** Prospects whose answer must be emitted, in arrival order. */
	expected: string[];
	/** Messages whose source the header pass must select. */
	candidates: number;
}

/** `count` new messages: mostly everyday mail (some with 3 MB attachments) and, spread among them, ours. */
function arrivals(me: string, count: number, start: number): Arrivals {
	const messages: SeedMessage[] = [];
	const expected: string[] = [];
	let candidates = 0;
	const kinds: AnswerKind[] = ['reply', 'autoReply', 'bounce'];
	for (let i = 0; i < count; i++) {
		const at = new Date(start + i * 10_000);
		if (i % 97 === 50) {
			const prospect = `catch${expected.length}@client${expected.length}.test`;
			expected.push(prospect);
			candidates++;
			const kind = kinds[expected.length % kinds.length];
			messages.push(answer(kind, { sequenceKey: SEQUENCE_KEY, sender: me, prospect, step: 1 + (expected.length % 2), subject: 'Quick question', receivedAt: at }));
		} else if (i === 333) {
			const prospect = `big@client-big.test`;
			expected.push(prospect);
			candidates++;
			messages.push(bigReply(me, prospect, at));
		} else if (i === 444) {
			candidates++;
			messages.push(foreignBounce(me, at));
		} else {
			// one in 100 everyday messages carries a 3 MB attachment, read by nobody
			messages.push(everydayInbound(OLD + i, me, at, 100, 3_000_000));
		}
	}
	return { messages, expected, candidates };
}

/** The prospect an emitted item is about. */
function prospectOf(item: EmittedReply): string {
	return String(item.json.prospectEmail ?? '');
}

/** Seeds `user` with OLD old messages and `arrived`, and a saved cursor at the last old one. */
async function downtime(user: string, arrived: SeedMessage[], start: number): Promise<MemoryStore> {
	const me = addressOf(user);
	const old = Array.from({ length: OLD }, (_, i) => everydayInbound(i, me, new Date(start - DAY + i * 1000)));
	await seedMailbox(user, { INBOX: [...old, ...arrived] });
	const status = await mailstack('doveadm', 'mailbox', 'status', '-u', me, 'uidvalidity', 'INBOX');
	const state = emptyTriggerState();
	state.folders.INBOX = { uidValidity: /uidvalidity=(\d+)/.exec(status)?.[1] ?? '', lastUid: OLD, savedAt: new Date(start - 1000).toISOString() };
	return new MemoryStore(state);
}

/** Runs the engine from the saved cursor until the folder waits for new mail again; what it emitted. */
async function catchUp(user: string, store: MemoryStore, scope: 'sequence' | 'all', failFirstEmit: boolean) {
	const emitted: EmittedReply[] = [];
	let emits = 0;
	let waiting: () => void = () => undefined;
	const idle = new Promise<void>((resolve) => (waiting = resolve));
	let fatal: Error | undefined;
	const engine = new ReplyTriggerEngine({
		settings: settingsFor(user),
		folders: ['INBOX'],
		options: resolveTriggerOptions({ sequenceKeys: SEQUENCE_KEY, scope, events: ['reply', 'autoReply', 'bounce', 'unsubscribe', 'complaint', 'deliveryReport'] }),
		store,
		tuning: { backoff: { initialMs: 50, maxMs: 200, giveUpAfterMs: 60_000 } },
		emit: (items) => {
			emits++;
			if (failFirstEmit && emits === 1) throw new Error('n8n is busy');
			emitted.push(...items);
		},
		onWaiting: () => waiting(),
		onFatal: (error) => {
			fatal = error;
			waiting();
		},
	});
	await engine.start();
	try {
		await idle;
	} finally {
		await engine.stop();
	}
	if (fatal) throw fatal;
	return { emitted, stats: engine.watchers[0].stats, cursor: store.load().folders.INBOX };
}

describe('trigger catch-up after downtime, headers first', () => {
	it('fetches the source only of candidates, capped, and emits every match once in arrival order even when an emit fails', async () => {
		const user = 's17';
		const start = Date.now() - DAY;
		const { messages, expected, candidates } = arrivals(addressOf(user), 1_200, start);
		const store = await downtime(user, messages, start);

		const { emitted, stats, cursor } = await catchUp(user, store, 'sequence', true);

		expect(emitted.map(prospectOf)).toEqual(expected);
		expect(stats.headersFetched).toBeGreaterThanOrEqual(messages.length);
		// the failed emit fetched its batch again: at most one more batch of candidates than there are
		expect(stats.fetched).toBeGreaterThanOrEqual(candidates);
		expect(stats.fetched).toBeLessThanOrEqual(2 * candidates);
		expect(stats.fetchedBytes).toBeLessThanOrEqual(stats.fetched * MAX_SOURCE_BYTES);
		const big = emitted.find((item) => prospectOf(item) === 'big@client-big.test');
		expect(big?.json.class).toBe('reply');
		expect(cursor?.lastUid).toBe(OLD + messages.length);
	});

	it('with scope "all" (every message can be emitted) still fetches each source at most up to the cap', async () => {
		const user = 's18';
		const start = Date.now() - DAY;
		const { messages } = arrivals(addressOf(user), 120, start);
		const store = await downtime(user, messages, start);

		const { emitted, stats, cursor } = await catchUp(user, store, 'all', false);

		expect(stats.headersFetched).toBe(0);
		expect(stats.fetched).toBe(messages.length);
		expect(stats.fetchedBytes).toBeLessThanOrEqual(messages.length * MAX_SOURCE_BYTES);
		// with scope "all" and every event chosen, every message is emitted, in arrival order: UIDs ascend
		expect(emitted).toHaveLength(messages.length);
		const uids = emitted.map((item) => Number(item.json.uid));
		expect(uids).toEqual([...uids].sort((a, b) => a - b));
		expect(new Set(uids).size).toBe(uids.length);
		expect(cursor?.lastUid).toBe(OLD + messages.length);
	});
});
