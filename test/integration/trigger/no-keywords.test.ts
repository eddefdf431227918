/**
 * Issue #8, scenario 3, the trigger's side: a mailbox whose folders keep no custom keywords (Exchange
 * Online; the stack's Exchange-like exo users answer PERMANENTFLAGS without `\*`). The trigger never
 * stores a flag (EXAMINE, BODY.PEEK) and resumes from UIDVALIDITY + UID, so it must work there as
 * anywhere: each reply emitted once, through a kick and a re-activation from saved state, and the
 * manual test run finds the newest one. User exo08 belongs to this file.
 */
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import { closeImap, connectImap } from '../../../transport/imap-client';
import { findRecentReply } from '../../../transport/reply-recent';
import { ReplyTriggerEngine } from '../../../transport/reply-trigger-engine';
import { addressOf, mailstack, resetMailboxes, settingsFor } from '../../helpers/mailstack';
import { Collector, connectionsOf, deliver, eventually, MemoryStore, ourId, replyRaw, settle, uniqueTag } from './trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(60_000);

const USER = 'exo08';
const engines: ReplyTriggerEngine[] = [];
beforeAll(() => resetMailboxes(USER));
afterEach(async () => {
	await Promise.all(engines.splice(0).map((e) => e.stop()));
});

function engine(store: MemoryStore, collector: Collector): ReplyTriggerEngine {
	const created = new ReplyTriggerEngine({
		settings: settingsFor(USER),
		folders: ['INBOX'],
		options: resolveTriggerOptions(),
		store,
		emit: collector.emit,
		onFatal: (error) => {
			throw error;
		},
		tuning: { backoff: { initialMs: 50, maxMs: 200, giveUpAfterMs: 60_000 } },
	});
	engines.push(created);
	return created;
}

describe('scenario 3: the trigger on a mailbox that keeps no custom keywords', () => {
	it('scenario 3: emits each reply once through a kick and a re-activation, leaves every flag as it was, and the test run finds the newest', async () => {
		const me = addressOf(USER);
		const probe = await connectImap(settingsFor(USER));
		try {
			const box = await probe.mailboxOpen('INBOX');
			expect([...(box.permanentFlags ?? [])]).not.toContain('\\*');
		} finally {
			await closeImap(probe);
		}
		const tag = uniqueTag();
		const key = `no-keywords-trigger-${tag}`;
		const prospect = 'pat@example.test';
		const reply = (n: number) => replyRaw({ from: prospect, to: me, subject: `Re: hello ${n} ${tag}`, inReplyTo: ourId(key, prospect, n), references: [ourId(key, prospect, n)] });

		const store = new MemoryStore();
		const collector = new Collector();
		const first = engine(store, collector);
		await first.start();
		await deliver(reply(1), { from: prospect, to: me });
		await collector.waitFor(() => collector.tagged(tag).length >= 1);

		await mailstack('kick', me);
		await eventually(async () => first.watchers.every((w) => w.stats.sessions > 1) && (await connectionsOf(USER)) === 1);
		await deliver(reply(2), { from: prospect, to: me });
		await collector.waitFor(() => collector.tagged(tag).length >= 2);
		await first.stop();

		// re-activated from the saved state (as n8n does): what arrived meanwhile once, nothing again
		await deliver(reply(3), { from: prospect, to: me });
		const again = engine(store, collector);
		await again.start();
		await collector.waitFor(() => collector.tagged(tag).length >= 3);
		await settle(500);
		expect(collector.tagged(tag).map((i) => [i.json.class, i.json.step])).toEqual([
			['reply', 1],
			['reply', 2],
			['reply', 3],
		]);

		const recent = await findRecentReply(settingsFor(USER), ['INBOX'], resolveTriggerOptions());
		expect(recent?.examined.item?.subject).toBe(`Re: hello 3 ${tag}`);

		// read-only: no \Seen, no keyword on anything the trigger read (\Recent is per session, RFC 3501 §2.3.2)
		const check = await connectImap(settingsFor(USER));
		try {
			await check.mailboxOpen('INBOX', { readOnly: true });
			const flags: string[][] = [];
			for await (const message of check.fetch('1:*', { flags: true })) flags.push([...(message.flags ?? [])].filter((f) => f !== '\\Recent'));
			expect(flags).toEqual([[], [], []]);
		} finally {
			await closeImap(check);
		}
	});
});
