/**
 * The SMTP server's acceptance is recorded in Sent (`$SeqSent` on the claim), against the real Dovecot.
 * A run confirms on its own session, which selected Sent before the claims were appended by another
 * one; a UID STORE skips UIDs the session does not know yet, so every send stayed a bare claim and read
 * `unconfirmed` (found by the queue-mode e2e test of issue #12: no copy in Sent had `$SeqSent`).
 * u178 sends, u179 receives.
 */
import type { ImapFlow } from 'imapflow';
import { composeRaw } from '../../transport/compose';
import { SENT_KEYWORD, claimStep, confirmClaims } from '../../transport/sent-claim';
import { addressOf, resetMailboxes } from '../helpers/mailstack';
import { openSent } from '../helpers/sent-session';
import { runAt, sequenceRequest } from '../helpers/sequence';

const SENDER = 'u178';
const PROSPECT = 'u179';
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
let clients: ImapFlow[] = [];

const sentSession = () => openSent(SENDER, clients);

/** Flags of `uid` in Sent as a fresh session reads them. */
async function flagsOf(uid: number): Promise<string[]> {
	const { client } = await sentSession();
	const fetched = await client.fetchOne(String(uid), { flags: true }, { uid: true });
	return [...(fetched ? (fetched.flags ?? []) : [])];
}

beforeAll(() => resetMailboxes(SENDER, PROSPECT));

afterEach(async () => {
	await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
	clients = [];
});

describe('the acceptance recorded in Sent (real Dovecot)', () => {
	it('the confirmation session stores $SeqSent on a claim another session appended after it selected Sent', async () => {
		const confirming = await sentSession();
		const claiming = await sentSession();
		const id = `<sq.confirm${unique()}@example.test>`;
		const raw = await composeRaw({ from: { name: '', address: addressOf(SENDER) }, to: { name: '', address: addressOf(PROSPECT) }, subject: 'Hello', text: 'Hi', messageId: id, date: new Date() });
		const claim = await claimStep(claiming.client, claiming.sent, raw, id, new Date());
		if (!claim.won) throw new Error('the only claim should win');
		await confirmClaims(confirming.client, [claim.claim.uid]);
		expect(await flagsOf(claim.claim.uid)).toContain(SENT_KEYWORD);
	});

	it('a step the SMTP server accepted is confirmed in Sent, and the next run does not report it unconfirmed', async () => {
		const request = sequenceRequest({ sender: SENDER, sequenceKey: `confirmed-${unique()}`, steps: [{ subject: 'Hello', text: 'Hi' }, { subject: '', text: 'Following up', wait: { amount: 1, unit: 'days' } }], prospects: [addressOf(PROSPECT)] });
		const first = await runAt(request, new Date());
		expect(first[0]).toMatchObject({ status: 'sent', step: 1 });
		expect(first[0].unconfirmed).toBeUndefined();

		const next = await runAt(request, new Date());
		expect(next[0].status).toBe('notDue');
		expect(next[0].history).toEqual([{ step: 1, messageId: first[0].messageId, sentAt: expect.any(String) }]);
	});
});
