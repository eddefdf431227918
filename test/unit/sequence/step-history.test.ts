import { parseSequenceMessageId, sequenceMessageId, type SequenceMessageRef } from '../../../core/mail/message-id';
import { buildLedger } from '../../../core/sequence/ledger';
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
function historyOf(copies: SentCopy[]): ReturnType<typeof stepHistory> {
	const ledger = buildLedger([{ sequenceKey: SEQ, address: JANE }], toSentFacts(copies), [], { autoReplyPauseDays: 7 });
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
