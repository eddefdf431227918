/**
 * The daily limit's rank without a round trip (`DailyCount.rankOf`, docs/design.md "The daily limit under
 * concurrency"), against the real Dovecot: another session appends claims, everyday mail and releases
 * between our claims; every rank the run uses is at least the exact count, and a bound above the limit is
 * always replaced by the exact count from Sent.
 */
import type { ImapFlow } from 'imapflow';
import { sequenceMessageId } from '../../core/mail/message-id';
import { startOfDay } from '../../core/sequence/schedule';
import { composeRaw } from '../../transport/compose';
import { DailyCount } from '../../transport/daily-count';
import { releaseClaim } from '../../transport/sent-claim';
import { resetMailboxes } from '../helpers/mailstack';
import { openSent } from '../helpers/sent-session';

const USER = 'u247';
let clients: ImapFlow[] = [];

const sentClient = () => openSent(USER, clients);

let n = 0;
/** Appends a copy (ours: a sequence Message-ID; else everyday mail) dated `date`; its UID. */
async function append(client: ImapFlow, sent: string, ours: boolean, date: Date): Promise<{ uid: number; messageId: string }> {
	n++;
	const messageId = ours ? sequenceMessageId(`daily-count-${Date.now()}`, `p${n}@example.test`, 1, 'example.test') : `<everyday.${Date.now()}.${n}@example.test>`;
	const raw = await composeRaw({
		from: { name: '', address: `${USER}@example.test` },
		to: { name: '', address: `p${n}@example.test` },
		subject: 'daily count',
		text: 'hello',
		messageId,
		date,
	});
	const appended = await client.append(sent, raw, ['\\Seen'], date);
	if (!appended || typeof appended.uid !== 'number') throw new Error('no APPENDUID');
	return { uid: appended.uid, messageId };
}

/** The exact rank of `uid`, as a fresh session counts it (every call searches: no earlier point). */
async function exact(uid: number, dayStart: Date): Promise<number> {
	const { client, sent } = await sentClient();
	return new DailyCount(client, sent).rankOf(uid, dayStart, 0);
}

beforeAll(() => resetMailboxes(USER));

afterEach(async () => {
	await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
	clients = [];
});

describe('DailyCount: the rank without a round trip while far from the limit (real Dovecot)', () => {
	it('bounds every rank from above whatever another session appends or releases in between, and counts exactly above the limit', async () => {
		const now = new Date();
		const dayStart = startOfDay(now, 'UTC').toJSDate();
		const yesterday = new Date(dayStart.getTime() - 3 * 60 * 60 * 1000);
		const run = await sentClient();
		const other = await sentClient();
		const count = new DailyCount(run.client, run.sent);
		const own = (claim: { messageId: string }) => ({ messageId: claim.messageId, date: now, to: [] });

		// yesterday's sends never count
		await append(other.client, other.sent, true, yesterday);
		const a = await append(run.client, run.sent, true, now);
		expect(await count.rankOf(a.uid, dayStart, 10, own(a))).toBe(1);
		expect(count.searches).toBe(1);

		// another run claims two steps: the next rank is bounded by the UID distance, with no search
		await append(other.client, other.sent, true, now);
		await append(other.client, other.sent, true, now);
		const b = await append(run.client, run.sent, true, now);
		const rankB = await count.rankOf(b.uid, dayStart, 10, own(b));
		expect(count.searches).toBe(1);
		expect(rankB).toBe(4);
		expect(await exact(b.uid, dayStart)).toBe(4);
		expect(rankB).toBeLessThanOrEqual(10);

		// everyday mail and a released claim in between make the bound too high, never too low
		await append(other.client, other.sent, false, now);
		const released = await append(other.client, other.sent, true, now);
		await releaseClaim(other.client, { uid: released.uid, messageId: released.messageId });
		const c = await append(run.client, run.sent, true, now);
		const rankC = await count.rankOf(c.uid, dayStart, 10, own(c));
		expect(count.searches).toBe(1);
		expect(rankC).toBe(7);
		expect(await exact(c.uid, dayStart)).toBe(5);

		// a limit below the bound (7 + 1): Sent is searched and the exact count comes back (6: a, the other
		// run's two, b, c, d — not yesterday's, the everyday message or the released claim)
		const d = await append(run.client, run.sent, true, now);
		expect(await exact(d.uid, dayStart)).toBe(6);
		expect(await count.rankOf(d.uid, dayStart, 6, own(d))).toBe(6);
		expect(count.searches).toBe(2);

		// over the limit: exact, so the run releases the claim and says dailyLimitReached
		const e = await append(run.client, run.sent, true, now);
		expect(await count.rankOf(e.uid, dayStart, 6, own(e))).toBe(7);
		expect(count.searches).toBe(3);

		// another day: nothing to go by, Sent is searched
		const f = await append(run.client, run.sent, true, now);
		await count.rankOf(f.uid, new Date(dayStart.getTime() + 1000), 100, own(f));
		expect(count.searches).toBe(4);
	});

	it('takes the Message-ID and Date of copies the ledger already read instead of fetching them again', async () => {
		const now = new Date();
		const dayStart = startOfDay(now, 'UTC').toJSDate();
		const run = await sentClient();
		const a = await append(run.client, run.sent, true, now);
		const b = await append(run.client, run.sent, true, now);
		const counted = await exact(b.uid, dayStart);
		// told (wrongly, to make it visible) that a was sent yesterday: the count believes it, so it did not FETCH a
		const seeded = new DailyCount(run.client, run.sent, [{ uid: a.uid, messageId: a.messageId, date: new Date(dayStart.getTime() - 1000) }]);
		expect(await seeded.rankOf(b.uid, dayStart, 0)).toBe(counted - 1);
	});
});
