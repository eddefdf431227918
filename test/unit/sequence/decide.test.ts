import { DateTime } from 'luxon';
import { decide, type DecisionInput } from '../../../core/sequence/decide';
import type { InboundEvent, ProspectState } from '../../../core/sequence/ledger';
import { DEFAULT_OPTIONS } from '../../../core/sequence/options';

const berlin = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'Europe/Berlin' });
const event = (iso: string, from = 'jane@acme.com'): InboundEvent => ({ at: berlin(iso).toUTC(), from, messageId: '<x@y.z>', step: 1 });

const base = (overrides: Partial<DecisionInput> = {}, state: Partial<ProspectState> = {}): DecisionInput => ({
	state: {
		sequenceHash: 'aaaaaaaaaaaa',
		prospectHash: 'bbbbbbbbbbbbbbbb',
		address: 'jane@acme.com',
		steps: [{ step: 1, messageId: '<m1@x>', sentAt: berlin('2024-03-04T10:00').toUTC() }],
		lastStep: 1,
		...state,
	},
	prospect: {},
	steps: [{ wait: { amount: 0, unit: 'days' } }, { wait: { amount: 2, unit: 'businessDays' } }, { wait: { amount: 3, unit: 'days' } }],
	stopRules: { ...DEFAULT_OPTIONS.stopRules },
	now: berlin('2024-03-06T11:00'),
	window: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' },
	limits: { sentToday: 0, dailyLimit: 50, sentThisRun: 0, maxPerRun: 10 },
	...overrides,
});
const allSent = { steps: [1, 2, 3].map((step) => ({ step, messageId: `<m${step}@x>`, sentAt: berlin('2024-03-04T10:00').toUTC() })), lastStep: 3 };
const rulesAllOn = { onReply: true, onBounce: true, onUnsubscribe: true, onAutoReply: true, onCompanyReply: true };

describe('decide', () => {
	it.each<[string, DecisionInput, Record<string, unknown>]>([
		['due: step 2 two business days after step 1', base(), { status: 'due', step: 2 }],
		['due: step 1 for a new prospect', base({}, { steps: [], lastStep: 0 }), { status: 'due', step: 1 }],
		['notDue: wait not over', base({ now: berlin('2024-03-05T11:00') }), { status: 'notDue', step: 2 }],
		['outsideWindow: wait over, evening', base({ now: berlin('2024-03-06T18:00') }), { status: 'outsideWindow', step: 2 }],
		['outsideWindow: prospect zone (New York, 05:00)', base({ now: berlin('2024-03-06T11:00'), prospect: { timeZone: 'America/New_York' } }), { status: 'outsideWindow', step: 2 }],
		['dailyLimitReached', base({ limits: { sentToday: 50, dailyLimit: 50, sentThisRun: 0, maxPerRun: 10 } }), { status: 'dailyLimitReached', step: 2 }],
		['runLimitReached: count', base({ limits: { sentToday: 0, dailyLimit: 50, sentThisRun: 10, maxPerRun: 10 } }), { status: 'runLimitReached', step: 2 }],
		['runLimitReached: deadline', base({ limits: { sentToday: 0, dailyLimit: 50, sentThisRun: 0, maxPerRun: 10, runDeadline: berlin('2024-03-06T11:00') } }), { status: 'runLimitReached' }],
		['completed', base({}, allSent), { status: 'completed', lastStep: 3 }],
		['stopped: manual', base({ prospect: { stop: true } }), { status: 'stopped', stopReason: 'manual' }],
		['stopped: replied', base({}, { replied: event('2024-03-05T08:00') }), { status: 'stopped', stopReason: 'replied' }],
		['stopped: replied per CRM flag', base({ prospect: { replied: true } }), { status: 'stopped', stopReason: 'replied' }],
		['stopped: bounced', base({}, { bounced: { ...event('2024-03-04T10:01'), recipients: [] } }), { status: 'stopped', stopReason: 'bounced' }],
		['stopped: unsubscribed', base({}, { unsubscribed: event('2024-03-05T08:00') }), { status: 'stopped', stopReason: 'unsubscribed' }],
		['stopped: complaint counts as unsubscribed even with the rule off', base({ stopRules: { ...rulesAllOn, onUnsubscribe: false } }, { complained: event('2024-03-05T08:00') }), { status: 'stopped', stopReason: 'unsubscribed' }],
		['stopped: companyReplied (rule on)', base({ stopRules: rulesAllOn }, { companyReplied: event('2024-03-05T08:00', 'ceo@acme.com') }), { status: 'stopped', stopReason: 'companyReplied' }],
		['not stopped: companyReplied with the rule off (default)', base({}, { companyReplied: event('2024-03-05T08:00', 'ceo@acme.com') }), { status: 'due' }],
		['not stopped: reply with onReply off', base({ stopRules: { ...rulesAllOn, onReply: false } }, { replied: event('2024-03-05T08:00') }), { status: 'due' }],
		['stopped: autoReplyPause until return date', base({ stopRules: rulesAllOn }, { autoReply: { ...event('2024-03-05T08:00'), pauseUntil: berlin('2024-03-11T00:00').toUTC() } }), { status: 'stopped', stopReason: 'autoReplyPause' }],
		['not paused: auto-reply pause over', base({ stopRules: rulesAllOn }, { autoReply: { ...event('2024-03-01T08:00'), pauseUntil: berlin('2024-03-05T00:00').toUTC() } }), { status: 'due' }],
		['not paused: auto-reply rule off (default)', base({}, { autoReply: { ...event('2024-03-05T08:00'), pauseUntil: berlin('2024-03-11T00:00').toUTC() } }), { status: 'due' }],
		// precedence
		['stop beats completed', base({}, { ...allSent, replied: event('2024-03-05T08:00') }), { status: 'stopped', stopReason: 'replied' }],
		['completed beats auto-reply pause', base({ stopRules: rulesAllOn }, { ...allSent, autoReply: { ...event('2024-03-05T08:00'), pauseUntil: berlin('2024-03-11T00:00').toUTC() } }), { status: 'completed' }],
		['unsubscribe beats reply', base({}, { replied: event('2024-03-05T08:00'), unsubscribed: event('2024-03-05T09:00') }), { status: 'stopped', stopReason: 'unsubscribed' }],
		['manual beats everything', base({ prospect: { stop: true } }, { ...allSent, bounced: { ...event('2024-03-04T10:01'), recipients: [] } }), { status: 'stopped', stopReason: 'manual' }],
		['notDue beats limits', base({ now: berlin('2024-03-05T11:00'), limits: { sentToday: 50, dailyLimit: 50, sentThisRun: 10, maxPerRun: 10 } }), { status: 'notDue' }],
		['outsideWindow beats limits', base({ now: berlin('2024-03-09T11:00'), limits: { sentToday: 50, dailyLimit: 50, sentThisRun: 10, maxPerRun: 10 } }), { status: 'outsideWindow' }],
		['daily limit beats run limit', base({ limits: { sentToday: 50, dailyLimit: 50, sentThisRun: 10, maxPerRun: 10 } }), { status: 'dailyLimitReached' }],
	])('%s', (_label, input, expected) => {
		const decision = decide(input);
		expect(decision).toMatchObject(expected);
		expect(decision.reason.length).toBeGreaterThan(5);
	});

	it.each<[string, DecisionInput, string]>([
		['notDue → when the wait ends (in the window)', base({ now: berlin('2024-03-05T11:00') }), '2024-03-06T10:00:00+01:00'],
		['notDue → wait ends Saturday, next Monday 09:00', base({ now: berlin('2024-03-05T11:00'), steps: [{ wait: { amount: 0, unit: 'days' } }, { wait: { amount: 5, unit: 'days' } }] }), '2024-03-11T09:00:00+01:00'],
		['outsideWindow → next morning', base({ now: berlin('2024-03-06T18:00') }), '2024-03-07T09:00:00+01:00'],
		['outsideWindow → in the prospect zone', base({ now: berlin('2024-03-06T11:00'), prospect: { timeZone: 'America/New_York' } }), '2024-03-06T09:00:00-05:00'],
		['dailyLimitReached → tomorrow when the window opens', base({ limits: { sentToday: 50, dailyLimit: 50, sentThisRun: 0, maxPerRun: 10 } }), '2024-03-07T09:00:00+01:00'],
		['autoReplyPause → resume at the return date, windowed', base({ stopRules: rulesAllOn }, { autoReply: { ...event('2024-03-05T08:00'), pauseUntil: berlin('2024-03-09T12:00').toUTC() } }), '2024-03-11T09:00:00+01:00'],
	])('nextStepAt: %s', (_label, input, expected) => {
		const decision = decide(input);
		expect('nextStepAt' in decision && decision.nextStepAt?.toISO({ suppressMilliseconds: true })).toBe(expected);
	});

	it('says why in words', () => {
		expect(decide(base({ now: berlin('2024-03-05T11:00') })).reason).toBe('Step 2 is due 2024-03-06 10:00 (Europe/Berlin)');
		expect(decide(base({}, { replied: event('2024-03-05T08:00') })).reason).toBe(
			'Replied to step 1 on 2024-03-05 08:00 (Europe/Berlin). A reply from this address stops every sequence this mailbox sends to it.',
		);
	});

	it('rejects an invalid prospect time zone', () => {
		expect(() => decide(base({ prospect: { timeZone: 'Berlin' } }))).toThrow(expect.objectContaining({ code: 'INVALID_TIMEZONE' }));
	});
});
