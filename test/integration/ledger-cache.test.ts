/**
 * The ledger's folder indexes are a cache (docs/design.md, "Reading the ledger"): kept between runs in
 * the process, but checked against the mailbox every run, so a stale one costs time, never a decision.
 * Each case reads once to warm the index, changes the mailbox behind its back, and reads again.
 */
import { ledgerIndexes } from '../../transport/index-cache';
import { CLAIM_KEYWORD } from '../../transport/sent-claim';
import { addressOf, mailstack } from '../helpers/mailstack';
import { deliverToMaildir, seedMailbox } from '../helpers/maildir-seed';
import { answer, everydayInbound, sequenceCopy } from '../helpers/scale-mail';
import { runAt, sequenceRequest, type TestStep } from '../helpers/sequence';

const DAY = 24 * 60 * 60 * 1000;
const SUBJECT = 'Quick question';
const steps: TestStep[] = [
	{ subject: SUBJECT, text: 'Hi, one question.' },
	{ subject: '', text: 'Bumping this.', wait: { amount: 1, unit: 'days' } },
];
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

describe('the ledger index is a cache checked against the mailbox (real Dovecot)', () => {
	const sender = addressOf('s15');
	const prospect = addressOf('s16');
	const firstSend = Date.now() - 3 * DAY;

	function preview(key: string) {
		return runAt(sequenceRequest({ sender: 's15', sequenceKey: key, steps, prospects: [prospect], operation: 'preview' }), new Date());
	}

	beforeEach(() => ledgerIndexes.clear());

	it('sees a reply that arrived after the index was built (UIDNEXT moved), and forgets it once deleted', async () => {
		const key = `cache-new-${unique()}`;
		const copy = sequenceCopy({ sequenceKey: key, sender, prospect, step: 1, sentAt: new Date(firstSend), subject: SUBJECT });
		const everyday = Array.from({ length: 50 }, (_, i) => everydayInbound(i, sender, new Date(firstSend + (i + 1) * 60_000)));
		await seedMailbox('s15', { Sent: [copy], INBOX: everyday });
		expect((await preview(key)).map((r) => [r.status, r.step])).toEqual([['due', 2]]);

		await deliverToMaildir('s15', 'INBOX', [answer('reply', { sequenceKey: key, sender, prospect, step: 1, subject: SUBJECT, receivedAt: new Date() })]);
		expect((await preview(key)).map((r) => [r.status, r.stopReason])).toEqual([['stopped', 'replied']]);

		await mailstack('doveadm', 'expunge', '-u', sender, 'mailbox', 'INBOX', 'subject', `Re: ${SUBJECT}`);
		expect((await preview(key)).map((r) => [r.status, r.step])).toEqual([['due', 2]]);
	});

	it('reads the folder again when its UIDVALIDITY changed, even with the same UIDNEXT', async () => {
		const key = `cache-validity-${unique()}`;
		const copy = sequenceCopy({ sequenceKey: key, sender, prospect, step: 1, sentAt: new Date(firstSend), subject: SUBJECT });
		const at = (i: number) => new Date(firstSend + (i + 1) * 60_000);
		await seedMailbox('s15', { Sent: [copy], INBOX: [0, 1, 2].map((i) => everydayInbound(i, sender, at(i))) }, 1_000_001);
		expect((await preview(key)).map((r) => [r.status, r.step])).toEqual([['due', 2]]);

		// the folder was recreated (a restore, a server move): UID 2 is now the prospect's reply, UIDNEXT is 4 again
		const reply = answer('reply', { sequenceKey: key, sender, prospect, step: 1, subject: SUBJECT, receivedAt: at(1) });
		await seedMailbox('s15', { Sent: [copy], INBOX: [everydayInbound(0, sender, at(0)), reply, everydayInbound(2, sender, at(2))] }, 1_000_002);
		expect((await preview(key)).map((r) => [r.status, r.stopReason])).toEqual([['stopped', 'replied']]);
	});

	it("sees a copy in Sent another process filed after the index was built (a colleague's n8n on the same mailbox)", async () => {
		const key = `cache-sent-${unique()}`;
		const first = sequenceCopy({ sequenceKey: key, sender, prospect, step: 1, sentAt: new Date(firstSend), subject: SUBJECT });
		await seedMailbox('s15', { Sent: [first], INBOX: [] });
		expect((await preview(key)).map((r) => [r.status, r.step])).toEqual([['due', 2]]);

		await deliverToMaildir('s15', 'Sent', [sequenceCopy({ sequenceKey: key, sender, prospect, step: 2, sentAt: new Date(firstSend + DAY + 60_000), subject: SUBJECT })]);
		expect((await preview(key)).map((r) => [r.status, r.step])).toEqual([['completed', 2]]);
	});

	it('sees marks another session changed and copies it removed in Sent since the index was built (QRESYNC re-sync on Dovecot; the SEARCH one where a server has none)', async () => {
		const key = `cache-marks-${unique()}`;
		// a claim without $SeqSent from three days ago: reported as unconfirmed
		const claim = { ...sequenceCopy({ sequenceKey: key, sender, prospect, step: 1, sentAt: new Date(firstSend), subject: SUBJECT }), keywords: [CLAIM_KEYWORD] };
		await seedMailbox('s15', { Sent: [claim], INBOX: [] });
		const [before] = await preview(key);
		expect(before.history.map((h) => [h.step, h.unconfirmed])).toEqual([[1, true]]);

		// another run confirms it (STORE +FLAGS $SeqSent): the warm index must see the new mark
		await mailstack('doveadm', 'flags', 'add', '-u', sender, '$SeqSent', 'mailbox', 'Sent', 'all');
		const [confirmed] = await preview(key);
		expect(confirmed.history.map((h) => [h.step, h.unconfirmed])).toEqual([[1, undefined]]);

		// step 2 filed by another process, then its claim released (deleted): due again
		await deliverToMaildir('s15', 'Sent', [sequenceCopy({ sequenceKey: key, sender, prospect, step: 2, sentAt: new Date(firstSend + DAY + 60_000), subject: SUBJECT })]);
		expect((await preview(key)).map((r) => [r.status, r.step])).toEqual([['completed', 2]]);
		await mailstack('doveadm', 'expunge', '-u', sender, 'mailbox', 'Sent', 'subject', `Re: ${SUBJECT}`);
		expect((await preview(key)).map((r) => [r.status, r.step])).toEqual([['due', 2]]);
	});
});
