import { DateTime } from 'luxon';
import { dueAt, earliestDueAt, planRemaining, startOfDay, type Wait } from '../../../core/sequence/schedule';
import type { SendWindow } from '../../../core/sequence/send-window';

const berlin = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'Europe/Berlin' });
const iso = (dt: DateTime): string => dt.setZone('Europe/Berlin').toISO({ suppressMilliseconds: true }) ?? '';
const window: SendWindow = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' };

describe('earliestDueAt', () => {
	it.each<[string, string, Wait, string]>([
		['30 minutes', '2024-03-04T10:00', { amount: 30, unit: 'minutes' }, '2024-03-04T10:30:00+01:00'],
		['2 hours', '2024-03-04T10:00', { amount: 2, unit: 'hours' }, '2024-03-04T12:00:00+01:00'],
		['3 days', '2024-03-04T10:00', { amount: 3, unit: 'days' }, '2024-03-07T10:00:00+01:00'],
		['1 day across spring-forward keeps wall time', '2024-03-30T10:00', { amount: 1, unit: 'days' }, '2024-03-31T10:00:00+02:00'],
		['24 hours across spring-forward is elapsed time', '2024-03-30T10:00', { amount: 24, unit: 'hours' }, '2024-03-31T11:00:00+02:00'],
		['1 day across fall-back keeps wall time', '2024-10-26T10:00', { amount: 1, unit: 'days' }, '2024-10-27T10:00:00+01:00'],
		['1 business day from Friday', '2024-03-08T10:00', { amount: 1, unit: 'businessDays' }, '2024-03-11T10:00:00+01:00'],
		['1 business day from Saturday', '2024-03-09T10:00', { amount: 1, unit: 'businessDays' }, '2024-03-11T10:00:00+01:00'],
		['1 business day from Sunday', '2024-03-10T10:00', { amount: 1, unit: 'businessDays' }, '2024-03-11T10:00:00+01:00'],
		['2 business days from Thursday', '2024-03-07T10:00', { amount: 2, unit: 'businessDays' }, '2024-03-11T10:00:00+01:00'],
		['5 business days is a week', '2024-03-06T10:00', { amount: 5, unit: 'businessDays' }, '2024-03-13T10:00:00+01:00'],
		['10 business days spans two weekends', '2024-03-08T10:00', { amount: 10, unit: 'businessDays' }, '2024-03-22T10:00:00+01:00'],
		['0 business days is now', '2024-03-09T10:00', { amount: 0, unit: 'businessDays' }, '2024-03-09T10:00:00+01:00'],
	])('%s', (_label, from, wait, expected) => {
		expect(iso(earliestDueAt(berlin(from), wait, 'Europe/Berlin'))).toBe(expected);
	});

	it('counts business days in the given zone: Friday 23:30 in New York is Saturday in Berlin', () => {
		const sent = DateTime.fromISO('2024-03-09T04:30:00Z');
		const ny = earliestDueAt(sent, { amount: 1, unit: 'businessDays' }, 'America/New_York');
		const de = earliestDueAt(sent, { amount: 1, unit: 'businessDays' }, 'Europe/Berlin');
		expect(ny.toISO({ suppressMilliseconds: true })).toBe('2024-03-11T23:30:00-04:00');
		expect(de.toISO({ suppressMilliseconds: true })).toBe('2024-03-11T05:30:00+01:00');
	});

	it.each<[Wait]>([[{ amount: -1, unit: 'days' }], [{ amount: 1.5, unit: 'businessDays' }], [{ amount: Number.NaN, unit: 'hours' }]])(
		'rejects %j',
		(wait) => {
			expect(() => earliestDueAt(berlin('2024-03-04T10:00'), wait, 'Europe/Berlin')).toThrow(
				expect.objectContaining({ code: 'INVALID_PARAMETER' }),
			);
		},
	);
});

describe('dueAt', () => {
	it.each<[string, string, Wait, string]>([
		['wait ends inside the window', '2024-03-04T10:00', { amount: 2, unit: 'hours' }, '2024-03-04T12:00:00+01:00'],
		['wait ends after closing → next morning', '2024-03-04T16:00', { amount: 2, unit: 'hours' }, '2024-03-05T09:00:00+01:00'],
		['wait ends Saturday → Monday 09:00', '2024-03-08T10:00', { amount: 1, unit: 'days' }, '2024-03-11T09:00:00+01:00'],
	])('%s', (_label, from, wait, expected) => {
		expect(iso(dueAt(berlin(from), wait, window))).toBe(expected);
	});
});

describe('planRemaining', () => {
	const steps = [
		{ wait: { amount: 0, unit: 'days' as const } },
		{ wait: { amount: 2, unit: 'businessDays' as const } },
		{ wait: { amount: 3, unit: 'days' as const } },
	];

	it('plans every step from scratch, each at its earliest allowed time', () => {
		const plan = planRemaining({ steps: [] }, steps, berlin('2024-03-07T18:00'), window);
		expect(plan.map((p) => [p.step, iso(p.at)])).toEqual([
			[1, '2024-03-08T09:00:00+01:00'],
			[2, '2024-03-12T09:00:00+01:00'],
			[3, '2024-03-15T09:00:00+01:00'],
		]);
	});

	it('plans from the last step sent; an overdue step goes out now', () => {
		const history = { steps: [{ step: 1, sentAt: berlin('2024-03-04T10:00') }] };
		expect(planRemaining(history, steps, berlin('2024-03-12T11:00'), window).map((p) => [p.step, iso(p.at)])).toEqual([
			[2, '2024-03-12T11:00:00+01:00'],
			[3, '2024-03-15T11:00:00+01:00'],
		]);
	});

	it('respects notBefore (an auto-reply pause)', () => {
		const history = { steps: [{ step: 1, sentAt: berlin('2024-03-04T10:00') }] };
		const plan = planRemaining(history, steps, berlin('2024-03-05T11:00'), window, { notBefore: berlin('2024-03-18T00:00') });
		expect(plan.map((p) => iso(p.at))).toEqual(['2024-03-18T09:00:00+01:00', '2024-03-21T09:00:00+01:00']);
	});

	it('returns nothing when every step is sent', () => {
		const sent = [1, 2, 3].map((step) => ({ step, sentAt: berlin('2024-03-04T10:00') }));
		expect(planRemaining({ steps: sent }, steps, berlin('2024-03-05T11:00'), window)).toEqual([]);
	});

	it('uses the prospect zone when given', () => {
		const plan = planRemaining({ steps: [] }, steps, DateTime.fromISO('2024-03-04T12:00:00Z'), window, {
			prospectTimeZone: 'America/New_York',
		});
		expect(plan[0].at.toISO({ suppressMilliseconds: true })).toBe('2024-03-04T09:00:00-05:00');
	});
});

describe('startOfDay', () => {
	it('is local midnight in the zone', () => {
		expect(startOfDay(DateTime.fromISO('2024-03-04T23:30:00Z'), 'Europe/Berlin').toISO({ suppressMilliseconds: true })).toBe(
			'2024-03-05T00:00:00+01:00',
		);
	});
});
