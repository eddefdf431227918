/**
 * The trigger's promises against the real Dovecot: read-only, resume from the cursor, UIDVALIDITY
 * re-sync, reconnect after a kick or an outage, persistent failure reported, no connection left behind,
 * polling fallback. Users u24–u30 belong to this file.
 */
import { createServer, Socket, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { SequenceError } from '../../../core/errors';
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import { createImapClient } from '../../../transport/imap-client';
import type { FolderWatchTuning } from '../../../transport/folder-watcher';
import { resolveWatchedFolders } from '../../../transport/watched-folders';
import { findRecentReply } from '../../../transport/reply-recent';
import { ReplyTriggerEngine, type ReplyTriggerEngineConfig } from '../../../transport/reply-trigger-engine';
import type { MailboxSettings } from '../../../core/mailbox/settings';
import { addressOf, mailstack, settingsFor, stack } from '../../helpers/mailstack';
import { appendTo, Collector, connectionsOf, deliver, eventually, MemoryStore, ourId, replyRaw, settle, uniqueTag } from './trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(60_000);

const FAST: Partial<FolderWatchTuning> = { backoff: { initialMs: 100, maxMs: 400, giveUpAfterMs: 60_000 } };
const watchers: ReplyTriggerEngine[] = [];
afterEach(async () => {
	await Promise.all(watchers.splice(0).map((w) => w.stop()));
});

function watcher(config: Partial<ReplyTriggerEngineConfig> & Pick<ReplyTriggerEngineConfig, 'settings' | 'emit'>): ReplyTriggerEngine {
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
	watchers.push(created);
	return created;
}

/** A reply to step 1 of a fresh sequence, subject tagged. */
function reply(user: string, tag: string, label: string): { raw: string; envelope: { from: string; to: string } } {
	const prospect = 'prospect2@example.test';
	const id = ourId(`seq-${tag}`, prospect, 1);
	return {
		raw: replyRaw({ from: prospect, to: addressOf(user), subject: `Re: ${label} ${tag}`, inReplyTo: id }),
		envelope: { from: prospect, to: addressOf(user) },
	};
}

async function flagsOf(user: string, folder: string): Promise<Map<string, string[]>> {
	const client = createImapClient(settingsFor(user));
	client.on('error', () => undefined);
	await client.connect();
	try {
		await client.mailboxOpen(folder, { readOnly: true });
		const result = new Map<string, string[]>();
		for await (const message of client.fetch('1:*', { envelope: true, flags: true })) {
			// RFC 3501 §2.3.2: \Recent belongs to the session, not the message; no client can set or clear it
			result.set(message.envelope?.subject ?? '', [...(message.flags ?? [])].filter((f) => f !== '\\Recent').sort());
		}
		return result;
	} finally {
		await client.logout();
	}
}

describe('read-only', () => {
	it('leaves \\Seen and every other flag exactly as they were, for the watcher and for a test run', async () => {
		const user = 'u24';
		const tag = uniqueTag();
		const collector = new Collector();
		await watcher({ settings: settingsFor(user), emit: collector.emit }).start();
		await appendTo(user, 'INBOX', reply(user, tag, 'unseen').raw, []);
		await appendTo(user, 'INBOX', reply(user, tag, 'seen').raw, ['\\Seen']);
		await appendTo(user, 'INBOX', reply(user, tag, 'flagged').raw, ['\\Seen', '\\Flagged', '$Label1']);
		const before = await flagsOf(user, 'INBOX');
		await collector.waitFor(() => collector.tagged(tag).length === 3);
		const found = await findRecentReply(settingsFor(user), ['INBOX'], resolveTriggerOptions());
		expect(found?.examined.item?.subject).toBe(`Re: flagged ${tag}`);
		const after = await flagsOf(user, 'INBOX');
		expect(before.get(`Re: unseen ${tag}`)).toEqual([]);
		expect(before.get(`Re: seen ${tag}`)).toEqual(['\\Seen']);
		for (const label of ['unseen', 'seen', 'flagged']) {
			expect(after.get(`Re: ${label} ${tag}`)).toEqual(before.get(`Re: ${label} ${tag}`));
		}
	});
});

describe('resume from the cursor', () => {
	it('emits everything that arrived while stopped exactly once, and nothing on the next start', async () => {
		const user = 'u25';
		const tag = uniqueTag();
		const store = new MemoryStore();
		const first = new Collector();
		const w1 = watcher({ settings: settingsFor(user), emit: first.emit, store });
		await w1.start();
		await w1.stop();
		for (const label of ['a', 'b', 'c']) {
			const { raw, envelope } = reply(user, tag, label);
			await deliver(raw, envelope);
		}
		await eventually(async () => ((await flagsOf(user, 'INBOX')).size >= 3));
		const second = new Collector();
		const w2 = watcher({ settings: settingsFor(user), emit: second.emit, store });
		await w2.start();
		await second.waitFor(() => second.tagged(tag).length === 3);
		expect(second.tagged(tag).map((i) => i.json.subject).sort()).toEqual(['a', 'b', 'c'].map((l) => `Re: ${l} ${tag}`));
		expect(w2.watchers[0].stats.fetched).toBeLessThanOrEqual(3 + 1);
		await w2.stop();

		const third = new Collector();
		const w3 = watcher({ settings: settingsFor(user), emit: third.emit, store });
		await w3.start();
		await settle(700);
		expect(third.tagged(tag)).toHaveLength(0);
		expect(w3.watchers[0].stats.fetched).toBe(0);
	});

	it('re-syncs after a UIDVALIDITY change without emitting what was already emitted', async () => {
		const user = 'u26';
		const tag = uniqueTag();
		const folder = `Resync-${tag}`;
		await mailstack('doveadm', 'mailbox', 'create', '-u', addressOf(user), folder);
		const store = new MemoryStore();
		const first = new Collector();
		const w1 = watcher({ settings: settingsFor(user), emit: first.emit, store, folders: [folder] });
		await w1.start();
		await appendTo(user, folder, reply(user, tag, 'before').raw);
		await first.waitFor(() => first.tagged(tag).length === 1);
		await w1.stop();

		const oldValidity = Number((store.load().folders[folder]).uidValidity);
		await mailstack('doveadm', 'mailbox', 'update', '-u', addressOf(user), '--uid-validity', String(oldValidity + 7), folder);
		await appendTo(user, folder, reply(user, tag, 'after').raw);

		const second = new Collector();
		const w2 = watcher({ settings: settingsFor(user), emit: second.emit, store, folders: [folder] });
		await w2.start();
		await second.waitFor(() => second.tagged(tag).length >= 1);
		await settle(500);
		expect(second.tagged(tag).map((i) => i.json.subject)).toEqual([`Re: after ${tag}`]);
		expect(store.load().folders[folder].uidValidity).toBe(String(oldValidity + 7));
	});
});

describe('connection drops', () => {
	it('reconnects after the server kicks the connection and catches up without loss or duplicates', async () => {
		const user = 'u27';
		const tag = uniqueTag();
		const collector = new Collector();
		const w = watcher({ settings: settingsFor(user), emit: collector.emit });
		await w.start();
		await deliver(reply(user, tag, 'one').raw, reply(user, tag, 'one').envelope);
		await collector.waitFor(() => collector.tagged(tag).length === 1);
		await mailstack('kick', addressOf(user));
		// delivered while the watcher is reconnecting
		await deliver(reply(user, tag, 'two').raw, reply(user, tag, 'two').envelope);
		await collector.waitFor(() => collector.tagged(tag).length === 2);
		await mailstack('kick', addressOf(user));
		await deliver(reply(user, tag, 'three').raw, reply(user, tag, 'three').envelope);
		await collector.waitFor(() => collector.tagged(tag).length === 3);
		await settle(500);
		expect(collector.tagged(tag).map((i) => i.json.subject)).toEqual(['one', 'two', 'three'].map((l) => `Re: ${l} ${tag}`));
		expect(w.watchers[0].stats.sessions).toBeGreaterThanOrEqual(3);
	});

	it('rejects activation with a clear AUTH_FAILED error when the password is wrong', async () => {
		const w = watcher({ settings: settingsFor('u28', { password: 'wrong-password' }), emit: () => undefined });
		const error = await w.start().then(() => undefined, (e: SequenceError) => e);
		expect(error?.code).toBe('AUTH_FAILED');
		expect(error?.message).not.toContain('wrong-password');
	});

	describe('through a proxy that can take the server away', () => {
		let proxy: Server;
		let port = 0;
		const sockets = new Set<Socket>();
		const open = () =>
			new Promise<void>((resolve) => {
				proxy = createServer((client) => {
					const upstream = new Socket();
					upstream.connect(stack.imapPort, stack.host);
					client.pipe(upstream).pipe(client);
					for (const s of [client, upstream]) {
						sockets.add(s);
						s.on('error', () => undefined);
						s.on('close', () => sockets.delete(s));
					}
					client.on('close', () => upstream.destroy());
					upstream.on('close', () => client.destroy());
				});
				proxy.listen(port, '127.0.0.1', () => {
					port = (proxy.address() as AddressInfo).port;
					resolve();
				});
			});
		const takeDown = () =>
			new Promise<void>((resolve) => {
				proxy.close(() => resolve());
				for (const s of sockets) s.destroy();
			});
		const viaProxy = (user: string): MailboxSettings => {
			const base = settingsFor(user, { imap: 'none' });
			return { ...base, imap: { ...base.imap, port } };
		};
		afterEach(async () => {
			if (proxy.listening) await takeDown();
			port = 0;
		});

		it('survives a short outage: reconnects when the server is back and emits what arrived meanwhile', async () => {
			await open();
			const user = 'u28';
			const tag = uniqueTag();
			const collector = new Collector();
			const fatal: SequenceError[] = [];
			await watcher({ settings: viaProxy(user), emit: collector.emit, onFatal: (e) => void fatal.push(e) }).start();
			await takeDown();
			await deliver(reply(user, tag, 'during').raw, reply(user, tag, 'during').envelope);
			await settle(600);
			await open();
			await collector.waitFor(() => collector.tagged(tag).length === 1);
			expect(fatal).toEqual([]);
		});

		it('reports a persistent outage once through onFatal and stops retrying', async () => {
			await open();
			const fatal: { error: SequenceError; folder: string }[] = [];
			const w = watcher({
				settings: viaProxy('u28'),
				emit: () => undefined,
				onFatal: (error, folder) => void fatal.push({ error, folder }),
				tuning: { backoff: { initialMs: 50, maxMs: 200, giveUpAfterMs: 1500 } },
			});
			await w.start();
			await takeDown();
			await eventually(async () => fatal.length > 0, 10_000);
			await settle(500);
			expect(fatal).toHaveLength(1);
			expect(fatal[0].folder).toBe('INBOX');
			expect(fatal[0].error.code).toBe('CONNECTION_REFUSED');
			expect(fatal[0].error.temporary).toBe(true);
		});
	});
});

describe('connections', () => {
	it('holds one connection per watched folder and logs every one out on stop', async () => {
		const user = 'u29';
		const folders = await resolveWatchedFolders(settingsFor(user), { junk: true, extra: [] });
		expect(folders).toEqual(['INBOX', 'Junk']);
		const w = watcher({ settings: settingsFor(user), emit: () => undefined, folders });
		await w.start();
		await eventually(async () => (await connectionsOf(user)) === 2);
		await w.stop();
		await eventually(async () => (await connectionsOf(user)) === 0);
	});

	it('falls back to polling when IDLE is not used and still emits new mail', async () => {
		const user = 'u30';
		const tag = uniqueTag();
		const collector = new Collector();
		const w = watcher({ settings: settingsFor(user), emit: collector.emit, tuning: { ...FAST, mode: 'poll', pollIntervalMs: 300 } });
		await w.start();
		await deliver(reply(user, tag, 'polled').raw, reply(user, tag, 'polled').envelope);
		await collector.waitFor(() => collector.tagged(tag).length === 1);
	});
});
