/**
 * Issue #8, scenario 13, the trigger's side: every path closes its sockets. After each fault — a login
 * that fails, a TLS handshake that fails, a missing folder, kicks, the server going away, a stop in the
 * middle of reconnecting, a trigger that gives up — this process holds no socket to the IMAP server (any
 * state but TIME-WAIT, which holds no descriptor) and Dovecot lists no session for the user.
 * Users u116–u118 belong to this file.
 */
import { execFile } from 'node:child_process';
import { createServer, Socket, type AddressInfo, type Server } from 'node:net';
import { promisify } from 'node:util';
import type { SequenceError } from '../../../core/errors';
import type { MailboxSettings } from '../../../core/mailbox/settings';
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import type { FolderWatchTuning } from '../../../transport/folder-watcher';
import { findRecentReply } from '../../../transport/reply-recent';
import { ReplyTriggerEngine, type ReplyTriggerEngineConfig } from '../../../transport/reply-trigger-engine';
import { resolveWatchedFolders } from '../../../transport/watched-folders';
import { addressOf, mailstack, resetMailboxes, settingsFor, stack } from '../../helpers/mailstack';
import { appendTo, connectionsOf, eventually, MemoryStore, ourId, replyRaw, settle, uniqueTag } from './trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(60_000);

const FAST: Partial<FolderWatchTuning> = { backoff: { initialMs: 50, maxMs: 200, giveUpAfterMs: 60_000 } };

/** Ports whose sockets count: the stack's IMAP ports and the proxy's, when one runs. */
const watchedPorts = new Set([stack.imapPort, stack.imapsPort]);

/** This process's TCP sockets to a watched port, in any state but TIME-WAIT (`ss` lists owners as root). */
async function openSockets(): Promise<string[]> {
	const { stdout } = await promisify(execFile)('ss', ['-Htanp']);
	return stdout.split('\n').filter((line) => {
		if (!line.includes(`pid=${process.pid},`)) return false;
		const peer = line.trim().split(/\s+/)[4] ?? '';
		return watchedPorts.has(Number(peer.slice(peer.lastIndexOf(':') + 1)));
	});
}

/** Waits until no socket is left (closing is asynchronous), then checks Dovecot agrees. */
async function expectNoSocketLeft(user: string): Promise<void> {
	await eventually(async () => (await openSockets()).length === 0, 15_000).catch(async () => {
		throw new Error(`sockets left open:\n${(await openSockets()).join('\n')}`);
	});
	expect(await connectionsOf(user)).toBe(0);
}

const engines: ReplyTriggerEngine[] = [];
beforeAll(() => resetMailboxes('u116', 'u117', 'u118'));
beforeEach(async () => {
	expect(await openSockets()).toEqual([]);
});
afterEach(async () => {
	await Promise.all(engines.splice(0).map((e) => e.stop()));
});

function engine(config: Partial<ReplyTriggerEngineConfig> & Pick<ReplyTriggerEngineConfig, 'settings'>): ReplyTriggerEngine {
	const created = new ReplyTriggerEngine({
		folders: ['INBOX'],
		options: resolveTriggerOptions(),
		store: new MemoryStore(),
		emit: () => undefined,
		onFatal: (error) => {
			throw error;
		},
		tuning: FAST,
		...config,
	});
	engines.push(created);
	return created;
}

describe('scenario 13: the trigger closes every socket it opens', () => {
	it('scenario 13: a login that fails (wrong password) leaves no socket', async () => {
		const error = await engine({ settings: settingsFor('u116', { password: 'not-the-password' }) })
			.start()
			.then(() => undefined, (e: SequenceError) => e);
		expect(error?.code).toBe('AUTH_FAILED');
		await expectNoSocketLeft('u116');
	});

	it('scenario 13: a TLS handshake that fails (TLS on the plain port) leaves no socket', async () => {
		const plain = settingsFor('u116', { imap: 'none' });
		const error = await engine({ settings: { ...plain, imap: { ...plain.imap, security: 'tls' } } })
			.start()
			.then(() => undefined, (e: SequenceError) => e);
		expect(error).toBeDefined();
		await expectNoSocketLeft('u116');
	});

	it('scenario 13: a folder that does not exist fails activation and leaves no socket', async () => {
		const error = await resolveWatchedFolders(settingsFor('u116'), { junk: false, extra: ['No-Such-Folder'] }).then(
			() => undefined,
			(e: SequenceError) => e,
		);
		expect(error?.code).toBe('INVALID_PARAMETER');
		await expectNoSocketLeft('u116');
	});

	it('scenario 13: after kicks and reconnects, stop leaves no socket and no session', async () => {
		const user = 'u117';
		const e = engine({ settings: settingsFor(user), folders: ['INBOX', 'Junk'] });
		await e.start();
		for (let kick = 1; kick <= 3; kick++) {
			await mailstack('kick', addressOf(user));
			await eventually(async () => e.watchers.every((w) => w.stats.sessions > kick) && (await connectionsOf(user)) === 2);
		}
		expect((await openSockets()).length).toBe(2);
		await e.stop();
		await expectNoSocketLeft(user);
	});

	it('scenario 13: a trigger that gives up (its emit keeps failing) leaves no socket, without being stopped', async () => {
		const user = 'u118';
		const tag = uniqueTag();
		const fatal: SequenceError[] = [];
		const e = engine({
			settings: settingsFor(user),
			emit: () => {
				throw new Error('disk full');
			},
			onFatal: (error) => void fatal.push(error),
			tuning: { backoff: { initialMs: 50, maxMs: 100, giveUpAfterMs: 800 } },
		});
		await e.start();
		await appendTo(user, 'INBOX', replyRaw({ from: 'p@example.test', to: addressOf(user), subject: `Re: x ${tag}`, inReplyTo: ourId(`seq-${tag}`, 'p@example.test', 1) }));
		await eventually(async () => fatal.length === 1, 20_000);
		await expectNoSocketLeft(user);
	});

	it('scenario 13: a manual test run leaves no socket', async () => {
		await findRecentReply(settingsFor('u118'), ['INBOX', 'Junk'], resolveTriggerOptions());
		await expectNoSocketLeft('u118');
	});

	describe('through a proxy that can take the server away', () => {
		let proxy: Server;
		let port = 0;
		const piped = new Set<Socket>();
		const open = () =>
			new Promise<void>((resolve) => {
				proxy = createServer((client) => {
					const upstream = new Socket();
					upstream.connect(stack.imapPort, stack.host);
					client.pipe(upstream).pipe(client);
					for (const s of [client, upstream]) {
						piped.add(s);
						s.on('error', () => undefined);
						s.on('close', () => piped.delete(s));
					}
					client.on('close', () => upstream.destroy());
					upstream.on('close', () => client.destroy());
				});
				proxy.listen(port, '127.0.0.1', () => {
					port = (proxy.address() as AddressInfo).port;
					watchedPorts.add(port);
					resolve();
				});
			});
		const takeDown = () =>
			new Promise<void>((resolve) => {
				proxy.close(() => resolve());
				for (const s of piped) s.destroy();
			});
		const viaProxy = (user: string): MailboxSettings => {
			const base = settingsFor(user, { imap: 'none' });
			return { ...base, imap: { ...base.imap, port } };
		};
		afterEach(async () => {
			if (proxy.listening) await takeDown();
		});

		it('scenario 13: the server going away for good: the trigger reports it and leaves no socket', async () => {
			await open();
			const fatal: SequenceError[] = [];
			const e = engine({
				settings: viaProxy('u118'),
				onFatal: (error) => void fatal.push(error),
				tuning: { backoff: { initialMs: 50, maxMs: 200, giveUpAfterMs: 1000 } },
			});
			await e.start();
			await takeDown();
			await eventually(async () => fatal.length === 1, 20_000);
			await expectNoSocketLeft('u118');
		});

		it('scenario 13: stop in the middle of reconnecting leaves no socket, and nothing reconnects later', async () => {
			await open();
			const e = engine({ settings: viaProxy('u118') });
			await e.start();
			await takeDown();
			await settle(300);
			await e.stop();
			await open();
			await settle(1000);
			await expectNoSocketLeft('u118');
			expect(e.watchers[0].stats.sessions).toBe(1);
		});
	});
});
