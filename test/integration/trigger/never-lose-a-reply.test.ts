/**
 * "The trigger never loses a reply" (issue #8, scenarios 10–12) against the real Dovecot, driving the
 * trigger's engine directly: a failed emit, a message that always fails to fetch, a failure that
 * persists after login, and a UIDVALIDITY re-sync on a mailbox busier than the dedupe list.
 * Users u111–u114 belong to this file.
 */
import { chmodSync } from 'node:fs';
import type { SequenceError } from '../../../core/errors';
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import type { FolderWatchTuning } from '../../../transport/folder-watcher';
import { ReplyTriggerEngine, type ReplyTriggerEngineConfig } from '../../../transport/reply-trigger-engine';
import { addressOf, mailstack, resetMailboxes, settingsFor } from '../../helpers/mailstack';
import { appendTo, Collector, eventually, maildirFileOf, MemoryStore, ourId, replyRaw, settle, uniqueTag } from './trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(180_000);

const FAST: Partial<FolderWatchTuning> = { backoff: { initialMs: 100, maxMs: 400, giveUpAfterMs: 60_000 } };
const engines: ReplyTriggerEngine[] = [];
beforeAll(() => resetMailboxes('u111', 'u112', 'u113', 'u114'));
afterEach(async () => {
	await Promise.all(engines.splice(0).map((e) => e.stop()));
});

function engine(config: Partial<ReplyTriggerEngineConfig> & Pick<ReplyTriggerEngineConfig, 'settings' | 'emit'>): ReplyTriggerEngine {
	const created = new ReplyTriggerEngine({
		folders: ['INBOX'],
		options: resolveTriggerOptions(),
		store: new MemoryStore(),
		onFatal: (error) => {
			throw error;
		},
		tuning: FAST,
		...config,
	});
	engines.push(created);
	return created;
}

/** A reply to step 1 of sequence `seq-<tag>`, subject `Re: <label> <tag>`. */
function reply(user: string, tag: string, label: string): string {
	const prospect = 'prospect3@example.test';
	return replyRaw({ from: prospect, to: addressOf(user), subject: `Re: ${label} ${tag}`, inReplyTo: ourId(`seq-${tag}`, prospect, 1) });
}

/** Stops an engine that was started on an empty folder: its cursor now sits at UIDNEXT. */
async function placeCursor(user: string, store: MemoryStore, folders = ['INBOX']): Promise<void> {
	const first = engine({ settings: settingsFor(user), emit: () => undefined, store, folders });
	await first.start();
	await first.stop();
	engines.splice(engines.indexOf(first), 1);
}

const subjectsOf = (collector: Collector, tag: string) => collector.tagged(tag).map((i) => String(i.json.subject));

describe('scenario 10: a failed emit loses nothing', () => {
	it('scenario 10: when emit fails, the batch is not marked handled and is emitted on the next attempt', async () => {
		const user = 'u114';
		const tag = uniqueTag();
		const store = new MemoryStore();
		await placeCursor(user, store);
		const cursorBefore = store.load().folders.INBOX;
		await appendTo(user, 'INBOX', reply(user, tag, 'first'));
		await appendTo(user, 'INBOX', reply(user, tag, 'second'));

		const collector = new Collector();
		const savedAtEachAttempt: unknown[] = [];
		const e = engine({
			settings: settingsFor(user),
			store,
			emit: (items) => {
				savedAtEachAttempt.push(JSON.parse(JSON.stringify(store.saved)));
				// as when n8n cannot store an attachment: the emit fails before anything is handed over
				if (savedAtEachAttempt.length === 1) throw new Error('could not store binary data: ENOSPC');
				collector.emit(items);
			},
		});
		await e.start();
		await collector.waitFor(() => collector.tagged(tag).length >= 2);
		await settle(300);
		expect(subjectsOf(collector, tag).sort()).toEqual([`Re: first ${tag}`, `Re: second ${tag}`]);
		expect(savedAtEachAttempt).toHaveLength(2);
		// the failed attempt marked nothing handled: the retry started from the same saved cursor
		expect((savedAtEachAttempt[1] as { folders: Record<string, unknown> }).folders.INBOX).toEqual(cursorBefore);
		expect(store.load().folders.INBOX.lastUid).toBe(Number(collector.tagged(tag)[1].json.uid));
	});
});

describe('scenario 11: a message that always fails does not block the folder', () => {
	it('scenario 11: a message that always fails to fetch is set aside after a few attempts, reported with the next item, and the folder moves on', async () => {
		const user = 'u111';
		const tag = uniqueTag();
		const store = new MemoryStore();
		await placeCursor(user, store);
		await appendTo(user, 'INBOX', reply(user, tag, 'poisoned'));
		await appendTo(user, 'INBOX', reply(user, tag, 'healthy'));
		// Dovecot cannot open this message's file: every FETCH of its body fails and Dovecot disconnects
		// ("Disconnected: FETCH failed: … Permission denied")
		const poisoned = maildirFileOf(user, 'INBOX', `Re: poisoned ${tag}`);
		chmodSync(poisoned, 0o000);
		try {
			const collector = new Collector();
			const fatal: SequenceError[] = [];
			const e = engine({ settings: settingsFor(user), store, emit: collector.emit, onFatal: (error) => void fatal.push(error) });
			await e.start();
			await collector.waitFor(() => collector.tagged(tag).length >= 1, 30_000);
			expect(subjectsOf(collector, tag)).toEqual([`Re: healthy ${tag}`]);
			const healthy = collector.tagged(tag)[0].json;
			const poisonedUid = Number(healthy.uid) - 1;
			expect(healthy.setAsideCount).toBe(1);
			expect(healthy.setAside).toEqual([{ folder: 'INBOX', uid: poisonedUid, reason: expect.stringMatching(/^fetching it failed 3 times in a row/) }]);
			expect(e.watchers[0].stats.setAside).toBe(1);
			expect(fatal).toEqual([]);
			// reported once: the state no longer carries it, and the cursor is past both
			expect(store.load()).toMatchObject({ setAside: [], setAsideCount: 0, folders: { INBOX: { lastUid: Number(healthy.uid) } } });
		} finally {
			chmodSync(poisoned, 0o600);
		}
	});

	it('scenario 11: a failure that persists after login is reported once through onFatal (the backoff does not restart on reconnect), and nothing is marked handled', async () => {
		const user = 'u112';
		const tag = uniqueTag();
		const store = new MemoryStore();
		await placeCursor(user, store);
		const cursorBefore = store.load().folders.INBOX;
		await appendTo(user, 'INBOX', reply(user, tag, 'stuck'));
		const fatal: SequenceError[] = [];
		let attempts = 0;
		const e = engine({
			settings: settingsFor(user),
			store,
			emit: () => {
				attempts++;
				throw new Error('binary data storage is read-only');
			},
			onFatal: (error) => void fatal.push(error),
			tuning: { backoff: { initialMs: 50, maxMs: 200, giveUpAfterMs: 1500 } },
		});
		await e.start();
		await eventually(async () => fatal.length > 0, 20_000);
		await settle(500);
		expect(fatal).toHaveLength(1);
		expect(fatal[0].message).toMatch(/binary data storage is read-only/);
		expect(attempts).toBeGreaterThan(1);
		expect(store.load().folders.INBOX).toEqual(cursorBefore);

		// the next activation (n8n re-activates a trigger that reported an error) emits it
		const collector = new Collector();
		await engine({ settings: settingsFor(user), store, emit: collector.emit }).start();
		await collector.waitFor(() => collector.tagged(tag).length === 1);
	});
});

describe('scenario 12: a UIDVALIDITY re-sync on a busy mailbox re-emits nothing', () => {
	it('scenario 12: after more messages than the dedupe list holds, a UIDVALIDITY change emits only what is new', async () => {
		const user = 'u113';
		const tag = uniqueTag();
		const folder = `Busy-${tag}`;
		const busy = 2_100; // more than SEEN_KEYS_LIMIT (2,000) handled messages after the replies
		await mailstack('doveadm', 'mailbox', 'create', '-u', addressOf(user), folder);
		const store = new MemoryStore();
		const first = new Collector();
		await engine({ settings: settingsFor(user), store, folders: [folder], emit: first.emit }).start();
		// three replies that arrived an hour before the busy stretch (the seed dates its mail up to 2,100 s back)
		const earlier = new Date(Date.now() - 3 * 60 * 60 * 1000);
		for (const label of ['a', 'b', 'c']) await appendTo(user, folder, reply(user, tag, label), [], earlier);
		await first.waitFor(() => first.tagged(tag).length === 3);
		await mailstack('seed', user, folder, String(busy));
		await eventually(async () => (store.load().folders[folder]?.lastUid ?? 0) >= busy + 3, 120_000, 250);
		await Promise.all(engines.splice(0).map((e) => e.stop()));

		const oldValidity = Number(store.load().folders[folder].uidValidity);
		await mailstack('doveadm', 'mailbox', 'update', '-u', addressOf(user), '--uid-validity', String(oldValidity + 11), folder);
		await appendTo(user, folder, reply(user, tag, 'new'));

		const second = new Collector();
		await engine({ settings: settingsFor(user), store, folders: [folder], emit: second.emit }).start();
		await second.waitFor(() => second.tagged(tag).length >= 1, 60_000);
		await eventually(async () => store.load().folders[folder].resyncFrom === undefined, 60_000, 100);
		await settle(500);
		expect(subjectsOf(second, tag)).toEqual([`Re: new ${tag}`]);
		expect(store.load().folders[folder]).toMatchObject({ uidValidity: String(oldValidity + 11), lastUid: busy + 4 });
	});
});
