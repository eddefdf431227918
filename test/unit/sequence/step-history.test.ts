import { parseSequenceMessageId, sequenceMessageId, type SequenceMessageRef } from '../../../core/mail/message-id';
import { buildLedger, type InboundFact } from '../../../core/sequence/ledger';
import { stepHistory, toSentFacts, type CopyMark, type SentCopy } from '../../../core/sequence/mailbox-facts';

const SEQ = 'q3-outreach';
const JANE = 'jane@acme.com';
const id = (step: number): string => sequenceMessageId(SEQ, JANE, step, 'sender.example');
let uid = 0;
const copy = (step: number, mark: CopyMark, date: string): SentCopy => ({
	uid: ++uid,
	messageId: id(step),
	ref: parseSequenceMessageId(id(step)) as SequenceMessageRef,
	date: new Date(date),
	to: [JANE],
	subject: 'Quick question',
	mark,
});

/** Jane's history as a run reads it from these copies in Sent. */
function historyOf(copies: SentCopy[], inbound: InboundFact[] = []): ReturnType<typeof stepHistory> {
	const ledger = buildLedger([{ sequenceKey: SEQ, address: JANE }], toSentFacts(copies), inbound, { autoReplyPauseDays: 7 });
	const byId = new Map<string, SentCopy[]>();
	for (const c of copies) byId.set(c.messageId, [...(byId.get(c.messageId) ?? []), c]);
	return stepHistory(ledger.get(SEQ, JANE), byId);
}

describe('stepHistory: unconfirmed steps', () => {
	it('scenario 2 (queue mode): the run a minute after a worker died between claim and SMTP answer reports the step unconfirmed', () => {
		// the killed worker's claim is a minute old when n8n's next scheduled run reads Sent: no clock decides
		expect(historyOf([copy(1, 'confirmed', '2026-12-02T09:00:00Z'), copy(2, 'claim', '2026-12-05T09:00:00Z')])).toEqual([
			{ step: 1, messageId: id(1), sentAt: '2026-12-02T09:00:00.000Z' },
			{ step: 2, messageId: id(2), sentAt: '2026-12-05T09:00:00.000Z', unconfirmed: true },
		]);
	});

	it('a claim the server accepted ($SeqSent) is not unconfirmed, however young', () => {
		expect(historyOf([copy(1, 'confirmed', '2026-12-05T09:00:00Z')])[0].unconfirmed).toBeUndefined();
	});

	it('a copy the provider or a mail client filed beside our claim proves the step went out', () => {
		expect(historyOf([copy(1, 'claim', '2026-12-05T09:00:00Z'), copy(1, 'other', '2026-12-05T09:00:01Z')])[0].unconfirmed).toBeUndefined();
	});

	it('a copy without our keywords (a server that keeps none) is not reported unconfirmed', () => {
		expect(historyOf([copy(1, 'other', '2026-12-05T09:00:00Z')])[0].unconfirmed).toBeUndefined();
	});
});

/** A delivery-status report naming `step` (from a remote server, or the one a run files after a refusal at RCPT). */
function bounceOf(step: number): InboundFact {
	return { kind: 'bounce', from: 'MAILER-DAEMON@sender.example', date: new Date('2026-12-05T09:00:05Z'), messageId: `<refused.${step}@sender.example>`, refs: [parseSequenceMessageId(id(step)) as SequenceMessageRef], bounceRecipients: [JANE] };
}

describe('stepHistory: bounced steps (issue 8, scenario 4)', () => {
	it('a refused step keeps its claim without $SeqSent: its refusal report makes it bounced, not unconfirmed', () => {
		expect(historyOf([copy(1, 'claim', '2026-12-05T09:00:00Z')], [bounceOf(1)])).toEqual([
			{ step: 1, messageId: id(1), sentAt: '2026-12-05T09:00:00.000Z', bounced: true },
		]);
	});

	it('a bounce of step 2 says nothing about step 1', () => {
		const history = historyOf([copy(1, 'claim', '2026-12-01T09:00:00Z'), copy(2, 'confirmed', '2026-12-05T09:00:00Z')], [bounceOf(2)]);
		expect(history.map(({ step, unconfirmed, bounced }) => ({ step, unconfirmed, bounced }))).toEqual([
			{ step: 1, unconfirmed: true, bounced: undefined },
			{ step: 2, unconfirmed: undefined, bounced: true },
		]);
	});
});
