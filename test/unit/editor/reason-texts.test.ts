/**
 * Issue 14 (the editor experience), the texts a user reads: reason sentences in one time zone per item,
 * the stop reason of a reply, and a mistyped time zone answered with the zone it most likely meant.
 */
import { DateTime } from 'luxon';
import { decide, type DecisionInput } from '../../../core/sequence/decide';
import { DEFAULT_OPTIONS } from '../../../core/sequence/options';
import { resolveTimeZone } from '../../../core/sequence/send-window';
import { suggestTimeZone } from '../../../core/sequence/time-zones';

const utc = (iso: string) => DateTime.fromISO(iso, { zone: 'utc' });
const input = (prospectZone: string | undefined, state: Partial<DecisionInput['state']>, now = utc('2024-03-06T12:00')): DecisionInput => ({
	state: { sequenceHash: 'a', prospectHash: 'b', address: 'jane@acme.com', steps: [{ step: 1, messageId: '<m1@x>', sentAt: utc('2024-03-04T10:00') }], lastStep: 1, ...state },
	prospect: prospectZone ? { timeZone: prospectZone } : {},
	steps: [{ wait: { amount: 0, unit: 'days' } }, { wait: { amount: 5, unit: 'days' } }],
	stopRules: { ...DEFAULT_OPTIONS.stopRules, onAutoReply: true },
	now,
	window: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', timeZone: 'America/New_York' },
	limits: { sentToday: 0, dailyLimit: 50, sentThisRun: 0, maxPerRun: 10 },
});
const zonesNamed = (sentence: string) => [...sentence.matchAll(/\(([A-Za-z_]+\/[A-Za-z_]+|UTC)\)/g)].map((m) => m[1]);
const event = (iso: string) => ({ at: utc(iso), from: 'jane@acme.com', messageId: '<r@x>', step: 1 });

describe('issue 14 point 7: reason sentences name one time zone per item, once', () => {
	it.each<[string, DecisionInput, string, string]>([
		['replied (event stored in UTC), window in New York', input(undefined, { replied: event('2024-03-05T15:30') }), 'America/New_York', '2024-03-05 10:30'],
		['replied, prospect in Paris', input('Europe/Paris', { replied: event('2024-03-05T15:30') }), 'Europe/Paris', '2024-03-05 16:30'],
		['bounced, prospect in Tokyo', input('Asia/Tokyo', { bounced: { ...event('2024-03-05T15:30'), recipients: [] } }), 'Asia/Tokyo', '2024-03-06 00:30'],
		['auto-reply pause (two times)', input('Europe/Paris', { autoReply: { ...event('2024-03-05T15:30'), pauseUntil: utc('2024-03-20T08:00') } }), 'Europe/Paris', '2024-03-20 09:00'],
		['not due yet', input('Europe/Paris', {}, utc('2024-03-05T12:00')), 'Europe/Paris', '2024-03-11 09:00'],
	])('%s', (_label, decisionInput, zone, time) => {
		const { reason } = decide(decisionInput);
		expect(zonesNamed(reason)).toEqual([zone]);
		expect(reason).toContain(time);
	});

	it('outside the window: says when the step goes out, in the zone used', () => {
		const { status, reason } = decide(input(undefined, {}, utc('2024-03-09T12:00')));
		expect(status).toBe('outsideWindow');
		expect(reason).toBe('Step 2 is due, but the sending window is closed: it goes out when the window opens, 2024-03-11 09:00 (America/New_York)');
	});
});

describe('issue 14 point 10: a reply stops every sequence of the mailbox that includes the prospect, and the stop reason says so', () => {
	it('the replied reason says it', () => {
		expect(decide(input(undefined, { replied: event('2024-03-05T15:30') })).reason).toMatch(/A reply from this address stops every sequence this mailbox sends to it\.$/);
	});
});

describe('issue 14 point 5: a time zone that is not an IANA name gets the closest zone suggested', () => {
	it.each([
		['Paris', 'Europe/Paris'],
		['paris', 'Europe/Paris'],
		['New York', 'America/New_York'],
		['Europe/Berln', 'Europe/Berlin'],
		['Los Angeles', 'America/Los_Angeles'],
	])('"%s" → %s', (given, expected) => {
		expect(suggestTimeZone(given)).toBe(expected);
		expect(() => resolveTimeZone(given, 'Prospect Time Zone')).toThrow(`Prospect Time Zone "${given}" is not an IANA time zone: did you mean "${expected}"?`);
	});

	it('nothing close: an example instead of a guess', () => {
		expect(suggestTimeZone('my office')).toBeUndefined();
		expect(() => resolveTimeZone('my office', 'Time Zone')).toThrow('Time Zone "my office" is not an IANA time zone: use a name like "Europe/Berlin" or "America/New_York"');
	});

	it('a very long value is not compared with every zone', () => {
		expect(suggestTimeZone('x'.repeat(10_000))).toBeUndefined();
	});
});
