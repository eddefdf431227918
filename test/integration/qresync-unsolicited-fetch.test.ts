/**
 * Regression (issue #10; docs/design.md "Ledger re-sync by QRESYNC"): with QRESYNC enabled, two runs on one
 * daily limit sent over it (scenario 6, 2 of 8 runs). Dovecot reports another session's flag change at the
 * end of the next command, and with QRESYNC that unsolicited FETCH carries the UID
 * (`* 5 FETCH (UID 162 MODSEQ (190) FLAGS (\Seen $SeqClaim $SeqSent))`, RFC 7162 §3.2.4). imapflow hands it
 * to the UID FETCH in progress like an answer; the daily rank read it as a copy with no Message-ID and no
 * date, so the other run's copy it had just confirmed no longer counted. Real Dovecot; u246 is this file's.
 */
import type { ImapFlow } from 'imapflow';
import { sequenceMessageId } from '../../core/mail/message-id';
import { composeRaw } from '../../transport/compose';
import { DailyCount } from '../../transport/daily-count';
import { closeImap } from '../../transport/imap-client';
import { fetchEach } from '../../transport/imap-uids';
import { claimStep, confirmClaims } from '../../transport/sent-claim';
import { addressOf, resetMailboxes } from '../helpers/mailstack';
import { openSent } from '../helpers/sent-session';

const USER = 'u246';
let clients: ImapFlow[] = [];

/** A session on USER's Sent, selected read-write, with QRESYNC enabled as a run's sessions have it. */
const sentSession = () => openSent(USER, clients, { qresync: true });

/** Claims step 1 of `key` for `prospect` on `session`, dated now: a copy the daily limit counts. */
async function claim(session: { client: ImapFlow; sent: string }, key: string, prospect: string): Promise<number> {
	const messageId = sequenceMessageId(key, prospect, 1, 'example.test');
	const now = new Date();
	const raw = await composeRaw({ from: { name: '', address: addressOf(USER) }, to: { name: '', address: prospect }, subject: 'Hello', text: 'Hi', messageId, date: now });
	const result = await claimStep(session.client, session.sent, raw, messageId, now);
	if (!result.won) throw new Error('the claim was expected to win');
	return result.claim.uid;
}

function startOfToday(): Date {
	const d = new Date();
	d.setHours(0, 0, 0, 0);
	return d;
}

beforeAll(() => resetMailboxes(USER));

afterEach(async () => {
	await Promise.all(clients.map((c) => closeImap(c)));
	clients = [];
});

describe('QRESYNC: a flag change another session makes is reported with its UID, never taken as an answer', () => {
	it("daily rank: the other run's copies still count when it stores $SeqSent on them between our rank's SEARCH and its FETCH", async () => {
		const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
		const other = await sentSession();
		const ours = await sentSession();
		const theirs = [await claim(other, `rank-a-${tag}`, 'p1@example.test'), await claim(other, `rank-a-${tag}`, 'p2@example.test')];
		const mine = await claim(ours, `rank-b-${tag}`, 'p3@example.test');
		// the other run's confirmations land after our SEARCH is answered: Dovecot reports them, with their
		// UIDs, at the end of our next command — the rank's FETCH of the copies it has not read yet
		const search = ours.client.search.bind(ours.client);
		ours.client.search = (async (...args: Parameters<ImapFlow['search']>) => {
			const found = await search(...args);
			await confirmClaims(other.client, theirs);
			return found;
		}) as ImapFlow['search'];
		const rank = await new DailyCount(ours.client, ours.sent).rankOf(mine, startOfToday(), 0); // limit 0: always the exact count
		expect(rank).toBe(3);
	});

	it('fetchEach passes on only the answers: UIDs asked for, with the items asked for', async () => {
		const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
		const other = await sentSession();
		const ours = await sentSession();
		const [asked, notAsked] = [await claim(other, `each-${tag}`, 'p1@example.test'), await claim(other, `each-${tag}`, 'p2@example.test')];
		await ours.client.noop();
		// both flag changes are pending for `ours` and reported at the end of its FETCH
		await confirmClaims(other.client, [asked, notAsked]);
		const seen: { uid: number; messageId?: string }[] = [];
		await fetchEach(ours.client, [asked], { envelope: true }, ours.sent, 'reading copies', (m) => {
			seen.push({ uid: m.uid, messageId: m.envelope?.messageId });
		});
		expect(seen).toEqual([{ uid: asked, messageId: sequenceMessageId(`each-${tag}`, 'p1@example.test', 1, 'example.test') }]);
	});
});
