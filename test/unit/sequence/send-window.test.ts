import { DateTime } from 'luxon';
import { isInWindow, nextWindowStart, parseTimeOfDay, resolveWindow, type SendWindow } from '../../../core/sequence/send-window';
import { inputErrorOf } from '../../helpers/errors';

const utc = (iso: string): DateTime => DateTime.fromISO(iso, { zone: 'UTC' });
const weekdays: SendWindow = { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' };
const everyDay = (from: string, to: string, timeZone: string): SendWindow => ({ days: [1, 2, 3, 4, 5, 6, 7], from, to, timeZone });

describe('isInWindow and nextWindowStart', () => {
	it.each<[string, SendWindow, string, boolean, string, string | null]>([
		// label, window, now (UTC), inside, next start (UTC), prospect zone
		['Berlin Monday 10:00 CET', weekdays, '2024-03-04T09:00:00Z', true, '2024-03-04T09:00:00Z', null],
		['Berlin Monday 08:59 CET', weekdays, '2024-03-04T07:59:00Z', false, '2024-03-04T08:00:00Z', null],
		['Berlin Monday 17:00 is closed (end exclusive)', weekdays, '2024-03-04T16:00:00Z', false, '2024-03-05T08:00:00Z', null],
		['Berlin Friday evening → Monday', weekdays, '2024-03-08T17:30:00Z', false, '2024-03-11T08:00:00Z', null],
		['Berlin Saturday → Monday', weekdays, '2024-03-09T10:00:00Z', false, '2024-03-11T08:00:00Z', null],
		['Berlin summer: 09:00 CEST is 07:00Z', weekdays, '2024-07-08T06:00:00Z', false, '2024-07-08T07:00:00Z', null],
		['Berlin: the Friday before spring-forward, next opening is Monday CEST', weekdays, '2024-03-29T18:00:00Z', false, '2024-04-01T07:00:00Z', null],
		// Europe/Berlin 2024-03-31: 02:00 CET → 03:00 CEST; 02:30 does not exist, the window opens at the jump
		['Berlin spring-forward, from 02:30 in the gap: before', everyDay('02:30', '05:00', 'Europe/Berlin'), '2024-03-31T00:59:00Z', false, '2024-03-31T01:00:00Z', null],
		['Berlin spring-forward, from 02:30 in the gap: at the jump', everyDay('02:30', '05:00', 'Europe/Berlin'), '2024-03-31T01:00:00Z', true, '2024-03-31T01:00:00Z', null],
		['Berlin spring-forward: closes at 05:00 CEST', everyDay('02:30', '05:00', 'Europe/Berlin'), '2024-03-31T03:00:00Z', false, '2024-04-01T00:30:00Z', null],
		// Europe/Berlin 2024-10-27: 03:00 CEST → 02:00 CET; 02:30 happens twice, the window opens at the first
		['Berlin fall-back: opens at the first 02:30', everyDay('02:30', '05:00', 'Europe/Berlin'), '2024-10-27T00:00:00Z', false, '2024-10-27T00:30:00Z', null],
		['Berlin fall-back: stays open in the repeated hour (02:10 CET)', everyDay('02:30', '05:00', 'Europe/Berlin'), '2024-10-27T01:10:00Z', true, '2024-10-27T01:10:00Z', null],
		['Berlin fall-back: closes at 05:00 CET', everyDay('02:30', '05:00', 'Europe/Berlin'), '2024-10-27T04:00:00Z', false, '2024-10-28T01:30:00Z', null],
		['Berlin fall-back: a window ending 02:30 ends at its first occurrence', everyDay('01:00', '02:30', 'Europe/Berlin'), '2024-10-27T01:10:00Z', false, '2024-10-28T00:00:00Z', null],
		// America/New_York 2024-03-10: 02:00 EST → 03:00 EDT
		['New York spring-forward: from 02:30 opens at 03:00 EDT', everyDay('02:30', '06:00', 'America/New_York'), '2024-03-10T06:00:00Z', false, '2024-03-10T07:00:00Z', null],
		['New York winter 09:00 EST is 14:00Z', everyDay('09:00', '17:00', 'America/New_York'), '2024-01-08T13:30:00Z', false, '2024-01-08T14:00:00Z', null],
		['New York summer 09:00 EDT is 13:00Z', everyDay('09:00', '17:00', 'America/New_York'), '2024-07-08T12:30:00Z', false, '2024-07-08T13:00:00Z', null],
		// America/New_York 2024-11-03: 02:00 EDT → 01:00 EST; 01:30 happens twice
		['New York fall-back: opens at the first 01:30 (EDT)', everyDay('01:30', '03:00', 'America/New_York'), '2024-11-03T05:00:00Z', false, '2024-11-03T05:30:00Z', null],
		['New York fall-back: open at 01:15 EST (repeated hour)', everyDay('01:30', '03:00', 'America/New_York'), '2024-11-03T06:15:00Z', true, '2024-11-03T06:15:00Z', null],
		['New York fall-back: closes at 03:00 EST', everyDay('01:30', '03:00', 'America/New_York'), '2024-11-03T08:00:00Z', false, '2024-11-04T06:30:00Z', null],
		['whole day window 00:00–24:00', everyDay('00:00', '24:00', 'Europe/Berlin'), '2024-03-31T22:30:00Z', true, '2024-03-31T22:30:00Z', null],
		['prospect zone overrides: 13:00 Berlin is 08:00 in New York', weekdays, '2024-03-04T12:00:00Z', false, '2024-03-04T14:00:00Z', 'America/New_York'],
		['prospect zone overrides: Tokyo Monday 10:00', weekdays, '2024-03-04T01:00:00Z', true, '2024-03-04T01:00:00Z', 'Asia/Tokyo'],
		['blank prospect zone falls back to the window zone', weekdays, '2024-03-04T09:00:00Z', true, '2024-03-04T09:00:00Z', '  '],
	])('%s', (_label, window, now, inside, next, prospectZone) => {
		expect(isInWindow(utc(now), window, prospectZone)).toBe(inside);
		expect(nextWindowStart(utc(now), window, prospectZone).toUTC().toISO({ suppressMilliseconds: true })).toBe(
			next,
		);
	});

	it('accepts a JS Date and returns the time in the applied zone', () => {
		const next = nextWindowStart(new Date('2024-03-09T10:00:00Z'), weekdays);
		expect(next.zoneName).toBe('Europe/Berlin');
		expect(next.toISO()).toBe('2024-03-11T09:00:00.000+01:00');
	});

	// Rule, not timestamps: over DST weeks, every next start is inside the window, never before `now`, and
	// no sampled instant between `now` and it is inside the window.
	it.each([
		['Europe/Berlin spring', 'Europe/Berlin', '2024-03-30T00:00:00Z', '02:30', '05:00'],
		['Europe/Berlin fall', 'Europe/Berlin', '2024-10-26T00:00:00Z', '02:30', '05:00'],
		['America/New_York spring', 'America/New_York', '2024-03-09T00:00:00Z', '01:30', '03:30'],
		['America/New_York fall', 'America/New_York', '2024-11-02T00:00:00Z', '01:30', '03:30'],
	])('next start is the first open instant: %s', (_label, zone, start, from, to) => {
		const window: SendWindow = { days: [1, 2, 3, 4, 5, 6, 7], from, to, timeZone: zone };
		for (let t = utc(start); t < utc(start).plus({ days: 3 }); t = t.plus({ minutes: 30 })) {
			const next = nextWindowStart(t, window);
			expect(next.toMillis()).toBeGreaterThanOrEqual(t.toMillis());
			expect(isInWindow(next, window)).toBe(true);
			for (let x = t; x < next; x = x.plus({ minutes: 15 })) expect(isInWindow(x, window)).toBe(false);
		}
	});
});

describe('resolveWindow', () => {
	it.each<[string, SendWindow, string | undefined, string, string]>([
		['unknown window zone', { ...weekdays, timeZone: 'Mars/Olympus' }, undefined, 'INVALID_TIMEZONE', 'Sending Window → Time Zone "Mars/Olympus"'],
		['unknown prospect zone', weekdays, 'CEST', 'INVALID_TIMEZONE', 'Prospect Time Zone "CEST"'],
		['no days', { ...weekdays, days: [] }, undefined, 'INVALID_PARAMETER', 'Sending Window → Days has no weekdays: choose at least one day'],
		['day 0', { ...weekdays, days: [0, 1] }, undefined, 'INVALID_PARAMETER', 'day 0'],
		['day 8', { ...weekdays, days: [8] }, undefined, 'INVALID_PARAMETER', 'day 8'],
		['bad start', { ...weekdays, from: '9' }, undefined, 'INVALID_PARAMETER', 'Sending Window → From (HH:MM) "9" is not a time of day: use 24-hour HH:MM'],
		['start 24:00', { ...weekdays, from: '24:00', to: '24:00' }, undefined, 'INVALID_PARAMETER', 'From (HH:MM) "24:00"'],
		['end 25:00', { ...weekdays, to: '25:00' }, undefined, 'INVALID_PARAMETER', 'To (HH:MM) "25:00"'],
		['minutes 60', { ...weekdays, to: '16:60' }, undefined, 'INVALID_PARAMETER', 'To (HH:MM) "16:60"'],
		['across midnight', { ...weekdays, from: '22:00', to: '06:00' }, undefined, 'INVALID_PARAMETER', 'Sending Window → To (HH:MM) 06:00 must be after From 22:00'],
		['empty window', { ...weekdays, from: '09:00', to: '09:00' }, undefined, 'INVALID_PARAMETER', 'must be after'],
	])('rejects %s', (_label, window, prospectZone, code, message) => {
		const error = inputErrorOf(() => resolveWindow(window, prospectZone));
		expect(error.code).toBe(code);
		expect(error.message).toContain(message);
	});

	it('resolves minutes of day and the applied zone', () => {
		expect(resolveWindow({ ...weekdays, from: '8:15', to: '17:30' }, 'America/New_York')).toMatchObject({
			fromMinute: 495,
			toMinute: 1050,
			timeZone: 'America/New_York',
		});
	});

	it.each([
		['00:00', 0],
		['09:05', 545],
		['23:59', 1439],
	])('parseTimeOfDay(%j) = %d', (value, minutes) => expect(parseTimeOfDay(value, 'x')).toBe(minutes));
});
