import { DateTime } from 'luxon';
import { parseSequenceMessageId, sequenceMessageId, type SequenceMessageRef } from '../../../core/mail/message-id';
import { buildLedger, countSentSince, prospectState, type InboundFact, type SentFact } from '../../../core/sequence/ledger';
import { toInboundFacts, type InboundMessage } from '../../../core/sequence/mailbox-facts';

const SEQ = 'q3-outreach';
const id = (address: string, step: number, seq = SEQ): string => sequenceMessageId(seq, address, step, 'sender.example');
const ref = (address: string, step: number, seq = SEQ): SequenceMessageRef =>
	parseSequenceMessageId(id(address, step, seq)) as SequenceMessageRef;
const at = (iso: string): Date => new Date(iso);
const sent = (address: string, step: number, date: string, seq = SEQ): SentFact => ({ messageId: id(address, step, seq), date: at(date), to: [address] });
const inbound = (kind: InboundFact['kind'], from: string, date: string, refs: SequenceMessageRef[], extra: Partial<InboundFact> = {}): InboundFact => ({
	kind,
	from,
	date: at(date),
	messageId: `<in.${kind}.${date}@remote.example>`,
	refs,
	...extra,
});
const options = { autoReplyPauseDays: 7 };

describe('buildLedger', () => {
	it('collects steps, dedupes copies at the earliest date, and ignores other mail', () => {
		const ledger = buildLedger(
			[{ sequenceKey: SEQ, address: 'jane@acme.com' }],
			[
				sent('jane@acme.com', 2, '2024-03-07T09:00:00Z'),
				sent('jane@acme.com', 1, '2024-03-04T09:05:00Z'),
				sent('jane@acme.com', 1, '2024-03-04T09:00:00Z'),
				{ messageId: '<random@gmail.com>', date: at('2024-03-05T00:00:00Z'), to: ['x@y.z'] },
				sent('bob@acme.com', 1, '2024-03-04T09:00:00Z'),
				sent('jane@acme.com', 3, '2024-03-10T09:00:00Z', 'other-sequence'),
			],
			[],
			options,
		);
		const state = ledger.get(SEQ, ' Jane@ACME.com ');
		expect(state.steps.map((s) => [s.step, s.sentAt.toISO(), s.messageId])).toEqual([
			[1, '2024-03-04T09:00:00.000Z', id('jane@acme.com', 1)],
			[2, '2024-03-07T09:00:00.000Z', id('jane@acme.com', 2)],
		]);
		expect(state.lastStep).toBe(2);
		expect(state.lastSentAt?.toISO()).toBe('2024-03-07T09:00:00.000Z');
		expect(ledger.get(SEQ, 'nobody@acme.com')).toMatchObject({ steps: [], lastStep: 0 });
	});

	it('attributes a reply referencing steps 1 and 2 once, to step 2', () => {
		const state = prospectState(
			{ sequenceKey: SEQ, address: 'jane@acme.com' },
			[sent('jane@acme.com', 1, '2024-03-04T09:00:00Z'), sent('jane@acme.com', 2, '2024-03-07T09:00:00Z')],
			[inbound('reply', 'jane@acme.com', '2024-03-08T10:00:00Z', [ref('jane@acme.com', 2), ref('jane@acme.com', 1)])],
			options,
		);
		expect(state.replied).toMatchObject({ step: 2, from: 'jane@acme.com' });
		expect(state.replied?.at.toISO()).toBe('2024-03-08T10:00:00.000Z');
	});

	it.each<[string, InboundFact, Record<string, unknown>]>([
		['bounce', inbound('bounce', 'mailer-daemon@sender.example', '2024-03-04T09:01:00Z', [ref('jane@acme.com', 1)], { bounceRecipients: ['Jane@acme.com'] }), { bounced: { step: 1, recipients: ['jane@acme.com'] } }],
		['unsubscribe', inbound('unsubscribe', 'jane@acme.com', '2024-03-05T09:00:00Z', [ref('jane@acme.com', 1)]), { unsubscribed: { step: 1 } }],
		['complaint', inbound('complaint', 'fbl@isp.example', '2024-03-05T09:00:00Z', [ref('jane@acme.com', 1)]), { complained: { step: 1 } }],
		['deliveryReport changes nothing', inbound('deliveryReport', 'mailer-daemon@x.example', '2024-03-05T09:00:00Z', [ref('jane@acme.com', 1)]), { lastStep: 1 }],
	])('records a %s', (_label, fact, expected) => {
		const state = prospectState({ sequenceKey: SEQ, address: 'jane@acme.com' }, [sent('jane@acme.com', 1, '2024-03-04T09:00:00Z')], [fact], options);
		expect(state).toMatchObject(expected);
		const recorded = ['replied', 'bounced', 'unsubscribed', 'complained', 'autoReply'].filter((key) => key in state && state[key as keyof typeof state] !== undefined);
		expect(recorded).toEqual(Object.keys(expected).filter((key) => key !== 'lastStep'));
	});

	it.each([
		['with a return date', { returnDate: at('2024-03-20T00:00:00Z') }, '2024-03-20T00:00:00.000Z'],
		['without one: N days after it', {}, '2024-03-12T09:00:00.000Z'],
	])('records an auto-reply pause %s, keeping the latest auto-reply', (_label, extra, pauseUntil) => {
		const state = prospectState(
			{ sequenceKey: SEQ, address: 'jane@acme.com' },
			[],
			[
				inbound('autoReply', 'jane@acme.com', '2024-03-05T09:00:00Z', [ref('jane@acme.com', 2)], extra),
				inbound('autoReply', 'jane@acme.com', '2024-03-01T09:00:00Z', [ref('jane@acme.com', 1)]),
			],
			options,
		);
		expect(state.autoReply?.step).toBe(2);
		expect(state.autoReply?.pauseUntil.toISO()).toBe(pauseUntil);
	});

	it('marks companyReplied for colleagues in the same sequence, not for free mail or other sequences', () => {
		const prospects = [
			{ sequenceKey: SEQ, address: 'jane@acme.com' },
			{ sequenceKey: SEQ, address: 'bob@sales.acme.com' },
			{ sequenceKey: SEQ, address: 'carol@other.com' },
			{ sequenceKey: 'other-sequence', address: 'dan@acme.com' },
			{ sequenceKey: SEQ, address: 'eve@gmail.com' },
			{ sequenceKey: SEQ, address: 'frank@gmail.com' },
		];
		const ledger = buildLedger(
			prospects,
			[],
			[
				inbound('reply', 'ceo@acme.com', '2024-03-06T09:00:00Z', [ref('jane@acme.com', 1)]),
				inbound('reply', 'eve@gmail.com', '2024-03-06T09:00:00Z', [ref('eve@gmail.com', 1)]),
				inbound('autoReply', 'ops@other.com', '2024-03-06T09:00:00Z', [ref('carol@other.com', 1)]),
			],
			options,
		);
		// a colleague answering in Jane's thread is a reply in her thread, and a company reply for Bob
		expect(ledger.get(SEQ, 'jane@acme.com').replied?.from).toBe('ceo@acme.com');
		expect(ledger.get(SEQ, 'jane@acme.com').companyReplied?.from).toBe('ceo@acme.com');
		expect(ledger.get(SEQ, 'bob@sales.acme.com').companyReplied).toMatchObject({ from: 'ceo@acme.com', step: 1 });
		expect(ledger.get(SEQ, 'bob@sales.acme.com').replied).toBeUndefined();
		expect(ledger.get(SEQ, 'carol@other.com').companyReplied).toBeUndefined();
		expect(ledger.get('other-sequence', 'dan@acme.com').companyReplied).toBeUndefined();
		expect(ledger.get(SEQ, 'frank@gmail.com').companyReplied).toBeUndefined();
		expect(ledger.get(SEQ, 'eve@gmail.com').replied?.from).toBe('eve@gmail.com');
	});

	// speed is measured by `npm run bench:send` (10,000-prospect preview), not asserted here
	it('reconstructs 10,000 prospects from 30,000 facts in one pass', () => {
		const prospects = Array.from({ length: 10_000 }, (_, i) => ({ sequenceKey: SEQ, address: `p${i}@company${i % 500}.com` }));
		const sentFacts: SentFact[] = [];
		const inboundFacts: InboundFact[] = [];
		prospects.forEach((p, i) => {
			sentFacts.push(sent(p.address, 1, '2024-03-04T09:00:00Z'), sent(p.address, 2, '2024-03-07T09:00:00Z'));
			if (i % 10 === 0) inboundFacts.push(inbound('reply', p.address, '2024-03-08T09:00:00Z', [ref(p.address, 2), ref(p.address, 1)]));
		});
		while (sentFacts.length + inboundFacts.length < 30_000) sentFacts.push({ messageId: `<x${sentFacts.length}@y.z>`, date: at('2024-03-01T00:00:00Z'), to: [] });
		const ledger = buildLedger(prospects, sentFacts, inboundFacts, options);
		expect(ledger.states.size).toBe(10_000);
		expect(ledger.get(SEQ, 'p10@company10.com')).toMatchObject({ lastStep: 2, replied: { step: 2 } });
		expect(ledger.get(SEQ, 'p10@company10.com').companyReplied?.from).toBe('p510@company10.com');
		expect(ledger.get(SEQ, 'p11@company11.com').companyReplied).toBeUndefined();
	});
});

describe('countSentSince', () => {
	const facts = [
		sent('a@x.com', 1, '2024-03-04T08:59:59Z'),
		sent('a@x.com', 2, '2024-03-04T09:00:00Z'),
		sent('a@x.com', 2, '2024-03-04T09:00:05Z'),
		sent('b@x.com', 1, '2024-03-04T12:00:00Z', 'other-sequence'),
		{ messageId: '<manual@x.com>', date: at('2024-03-04T13:00:00Z'), to: ['c@x.com'] },
	];
	it.each([
		['everything', '2024-03-01T00:00:00Z', 3],
		['from 09:00 (inclusive), copies once, all sequences', '2024-03-04T09:00:00Z', 2],
		['after the last', '2024-03-05T00:00:00Z', 0],
	])('%s', (_label, since, expected) => {
		expect(countSentSince(facts, DateTime.fromISO(since))).toBe(expected);
	});
});

describe('delay warnings in the ledger (issue 11)', () => {
	const classified = (final: boolean): InboundMessage => ({
		folder: 'INBOX',
		uid: final ? 2 : 1,
		from: 'mailer-daemon@mx.acme.com',
		date: at('2024-03-05T09:00:00Z'),
		classification: {
			class: 'bounce',
			reason: final ? 'dsn:multipart-report' : 'dsn:delayed',
			confidence: 0.99,
			signals: [],
			hard: false,
			final,
			recipients: [{ address: 'jane@acme.com', status: final ? '5.1.1' : '4.4.1', statusStated: true, final, action: final ? 'failed' : 'delayed', reason: 'networkerror', hard: false }],
		},
		refs: [ref('jane@acme.com', 1)],
	});

	it('a bounce with final: false (Action: delayed) does not stop the prospect; a later final bounce does', () => {
		const firstSent = new Map([['jane@acme.com', at('2024-03-04T09:00:00Z')]]);
		const delayOnly = toInboundFacts([classified(false)], SEQ, firstSent);
		expect(delayOnly.map((f) => f.kind)).toEqual(['bounceDelayed']);
		const prospect = { sequenceKey: SEQ, address: 'jane@acme.com' };
		expect(prospectState(prospect, [sent('jane@acme.com', 1, '2024-03-04T09:00:00Z')], delayOnly, options).bounced).toBeUndefined();
		const both = toInboundFacts([classified(false), classified(true)], SEQ, firstSent);
		expect(prospectState(prospect, [sent('jane@acme.com', 1, '2024-03-04T09:00:00Z')], both, options).bounced).toMatchObject({ step: 1, recipients: ['jane@acme.com'] });
	});
});
