/**
 * Start-up cost does not grow with the mailbox: activation on 50,000 messages sends the same IMAP
 * commands as on an empty mailbox and fetches nothing. Users u34 (empty) and u35 (50,000) belong here.
 */
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import { findRecentReply } from '../../../transport/reply-recent';
import { ReplyTriggerEngine } from '../../../transport/reply-trigger-engine';
import { addressOf, mailstack, settingsFor } from '../../helpers/mailstack';
import { Collector, deliver, MemoryStore, ourId, replyRaw, uniqueTag } from './trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(120_000);

const SEEDED = 50_000;

/** Activation up to the first IDLE: the counters at that moment. */
async function startUp(user: string): Promise<{ commands: number; fetched: number; searchedUids: number }> {
	let atFirstIdle: { commands: number; fetched: number; searchedUids: number } | undefined;
	let resolveIdle: () => void = () => undefined;
	const idle = new Promise<void>((resolve) => (resolveIdle = resolve));
	const watcher: ReplyTriggerEngine = new ReplyTriggerEngine({
		onWaiting: () => {
			atFirstIdle ??= { ...watcher.watchers[0].stats };
			resolveIdle();
		},
		settings: settingsFor(user),
		folders: ['INBOX'],
		options: resolveTriggerOptions(),
		store: new MemoryStore(),
		emit: () => undefined,
		onFatal: (error) => {
			throw error;
		},
	});
	await watcher.start();
	await idle;
	await watcher.stop();
	const { commands, fetched, searchedUids } = atFirstIdle ?? watcher.watchers[0].stats;
	return { commands, fetched, searchedUids };
}

describe('start-up cost', () => {
	it(`is the same on ${SEEDED} messages as on an empty mailbox, and a new reply is then found with one fetch`, async () => {
		// seeded up to SEEDED: emptying 50,000 messages costs minutes on a busy machine, and seeding them on
		// every run would grow the mailbox without end
		const count = async () => Number(/messages=(\d+)/.exec(await mailstack('doveadm', 'mailbox', 'status', '-u', addressOf('u35'), 'messages', 'INBOX'))?.[1]);
		const present = await count();
		if (present < SEEDED) await mailstack('seed', 'u35', 'INBOX', String(SEEDED - present));
		expect(await count()).toBeGreaterThanOrEqual(SEEDED);

		const empty = await startUp('u34');
		const big = await startUp('u35');
		expect(big.fetched).toBe(0);
		// imapflow may add an LSUB for a never-subscribed INBOX; the big mailbox must not cost more than that
		expect(big.commands).toBeLessThanOrEqual(empty.commands);
		// UID SEARCH UIDNEXT:* answers with the highest UID (RFC 3501 §6.4.8 "*" rule); it is discarded
		expect(big.searchedUids).toBeLessThanOrEqual(1);

		const tag = uniqueTag();
		const collector = new Collector();
		const store = new MemoryStore();
		const watcher = new ReplyTriggerEngine({
			settings: settingsFor('u35'),
			folders: ['INBOX'],
			options: resolveTriggerOptions(),
			store,
			emit: collector.emit,
			onFatal: (error) => {
				throw error;
			},
		});
		await watcher.start();
		try {
			const prospect = 'prospect3@example.test';
			await deliver(replyRaw({ from: prospect, to: addressOf('u35'), subject: `Re: big ${tag}`, inReplyTo: ourId(`seq-${tag}`, prospect, 1) }), {
				from: prospect,
				to: addressOf('u35'),
			});
			await collector.waitFor(() => collector.tagged(tag).length === 1);
			expect(watcher.watchers[0].stats.fetched).toBe(1);
		} finally {
			await watcher.stop();
		}
		// a manual test run reads at most its window of newest messages, whatever the mailbox size
		const recent = await findRecentReply(settingsFor('u35'), ['INBOX'], resolveTriggerOptions());
		expect(recent?.examined.item?.subject).toBe(`Re: big ${tag}`);
	});

	it('a manual test run finds nothing among non-matching mail and says so (returns undefined) instead of waiting', async () => {
		const recent = await findRecentReply(settingsFor('u34'), ['INBOX'], resolveTriggerOptions());
		expect(recent).toBeUndefined();
	});
});
