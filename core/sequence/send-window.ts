/**
 * The sending window: weekdays and hours, in an IANA time zone (the prospect's when known), during which
 * emails may leave. DST-correct by definition rather than by luck:
 *
 * - On local day D the window is the interval [first instant whose local time is ≥ D `from`,
 *   first instant whose local time is ≥ D `to`).
 * - So a `from` that falls in a spring-forward gap (02:30 on a day that jumps 02:00 → 03:00) opens the
 *   window at the jump (03:00 local), and a `from` inside a repeated fall-back hour opens it at the first
 *   occurrence; the window never closes and re-opens because the clock went back.
 *
 * Times are "HH:mm" strings; `to` may be "24:00" (end of day). `from` must be before `to`: windows that
 * cross midnight are not supported (use the prospect's zone instead). Days are luxon weekday numbers,
 * 1 = Monday … 7 = Sunday, and refer to the local day the window opens.
 */
import { DateTime, IANAZone } from 'luxon';
import { InputError } from '../errors';
import { type Instant, toMillis } from './instant';
import { suggestTimeZone } from './time-zones';

/** A sending window as configured. */
export interface SendWindow {
	/** Allowed weekdays, 1 = Monday … 7 = Sunday (luxon numbering). */
	days: readonly number[];
	/** Opening time, "HH:mm" local (e.g. "09:00"). */
	from: string;
	/** Closing time, "HH:mm" local, exclusive; "24:00" for end of day. */
	to: string;
	/** IANA zone, e.g. "Europe/Berlin". */
	timeZone: string;
}

/** A validated window with the zone that applies to one prospect. */
export interface ResolvedWindow {
	days: ReadonlySet<number>;
	fromMinute: number;
	toMinute: number;
	/** The zone actually used (the prospect's when given, else the window's). */
	timeZone: string;
	zone: IANAZone;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
// Offsets 36 h either side of a local date bracket at most one DST transition (they are months apart).
const OFFSET_PROBE = 36 * HOUR;

/** Zone validity checks build an Intl.DateTimeFormat, which is slow; a run checks the same few zones. */
const validZones = new Map<string, boolean>();

/**
 * Validates an IANA zone name and returns it.
 *
 * @throws InputError `INVALID_TIMEZONE` naming `field`.
 */
export function resolveTimeZone(name: string, field: string): string {
	const trimmed = name.trim();
	let valid = validZones.get(trimmed);
	if (valid === undefined) {
		valid = IANAZone.isValidZone(trimmed);
		validZones.set(trimmed, valid);
	}
	if (!valid) {
		const suggestion = suggestTimeZone(trimmed);
		throw new InputError(
			'INVALID_TIMEZONE',
			`${field} "${name}" is not an IANA time zone: ${suggestion ? `did you mean "${suggestion}"?` : 'use a name like "Europe/Berlin" or "America/New_York"'}`,
		);
	}
	return trimmed;
}

/**
 * Minutes after local midnight of an "HH:mm" (or "H:mm") time; "24:00" only when `allowEndOfDay`.
 *
 * @throws InputError `INVALID_PARAMETER` naming `field`.
 */
export function parseTimeOfDay(value: string, field: string, allowEndOfDay = false): number {
	const match = /^\s*(\d{1,2}):(\d{2})\s*$/.exec(value);
	const minutes = match ? Number(match[1]) * 60 + Number(match[2]) : NaN;
	const valid = match !== null && Number(match[2]) < 60 && (minutes < 24 * 60 || (allowEndOfDay && minutes === 24 * 60));
	if (!valid) {
		throw new InputError(
			'INVALID_PARAMETER',
			`${field} "${value}" is not a time of day: use 24-hour HH:MM from 00:00 to ${allowEndOfDay ? '24:00 (e.g. 17:00, or 24:00 for the end of the day)' : '23:59 (e.g. 09:00)'}`,
		);
	}
	return minutes;
}

/** The window's fields as the SMTP Sequence node labels them: errors name what the user can change. */
export const WINDOW_FIELDS = {
	days: 'Sending Window → Days',
	from: 'Sending Window → From (HH:MM)',
	to: 'Sending Window → To (HH:MM)',
	timeZone: 'Sending Window → Time Zone',
	prospectTimeZone: 'Prospect Time Zone',
} as const;

/**
 * Validates a window and picks the zone: the prospect's when given (blank counts as not given).
 *
 * @throws InputError `INVALID_TIMEZONE` for an unknown zone, `INVALID_PARAMETER` for days or times; each
 *   names the field (see {@link WINDOW_FIELDS}) and says what to enter.
 */
export function resolveWindow(window: SendWindow, prospectTimeZone?: string | null): ResolvedWindow {
	if (window.days.length === 0) throw new InputError('INVALID_PARAMETER', `${WINDOW_FIELDS.days} has no weekdays: choose at least one day`);
	for (const day of window.days) {
		if (!Number.isInteger(day) || day < 1 || day > 7) {
			throw new InputError('INVALID_PARAMETER', `${WINDOW_FIELDS.days}: day ${String(day)} is not a weekday number (1 = Monday … 7 = Sunday)`);
		}
	}
	const fromMinute = parseTimeOfDay(window.from, WINDOW_FIELDS.from);
	const toMinute = parseTimeOfDay(window.to, WINDOW_FIELDS.to, true);
	if (toMinute <= fromMinute) {
		throw new InputError(
			'INVALID_PARAMETER',
			`${WINDOW_FIELDS.to} ${window.to} must be after From ${window.from}: a window opens and closes on the same day (windows across midnight are not supported). Use e.g. 09:00 to 17:00, or 00:00 to 24:00 for the whole day`,
		);
	}
	const timeZone =
		prospectTimeZone != null && prospectTimeZone.trim() !== ''
			? resolveTimeZone(prospectTimeZone, WINDOW_FIELDS.prospectTimeZone)
			: resolveTimeZone(window.timeZone, WINDOW_FIELDS.timeZone);
	return { days: new Set(window.days), fromMinute, toMinute, timeZone, zone: IANAZone.create(timeZone) };
}

/** Local calendar date as a UTC-midnight timestamp (a plain date, zone-free). */
function localDate(zone: IANAZone, ms: number): number {
	const local = ms + zone.offset(ms) * MINUTE;
	return local - (((local % DAY) + DAY) % DAY);
}

/** Luxon weekday (1 = Monday) of a plain date. */
function weekdayOf(date: number): number {
	const day = new Date(date).getUTCDay();
	return day === 0 ? 7 : day;
}

/**
 * The earliest instant whose local wall time in `zone` is at or after `date` + `minuteOfDay`: the first
 * occurrence of a repeated (fall-back) time, the transition itself for a skipped (spring-forward) time.
 */
export function firstInstantAtOrAfterLocal(zone: IANAZone, date: number, minuteOfDay: number): number {
	const wall = date + minuteOfDay * MINUTE;
	const before = zone.offset(wall - OFFSET_PROBE);
	const after = zone.offset(wall + OFFSET_PROBE);
	const valid = [before, after]
		.map((offset) => ({ offset, ms: wall - offset * MINUTE }))
		.filter(({ offset, ms }) => zone.offset(ms) === offset)
		.map(({ ms }) => ms);
	if (valid.length > 0) return Math.min(...valid);
	// The wall time was skipped: search the transition between the instant read with the later offset
	// (still before the jump) and the one read with the earlier offset (already after it).
	let lo = wall - Math.max(before, after) * MINUTE;
	let hi = wall - Math.min(before, after) * MINUTE;
	const postOffset = zone.offset(hi);
	while (hi - lo > 1) {
		const mid = Math.floor((lo + hi) / 2);
		if (zone.offset(mid) === postOffset) hi = mid;
		else lo = mid;
	}
	return hi;
}

/**
 * Window intervals are pure in (zone, times, date) and computing one costs several Intl calls; a run asks
 * for the same few dates for thousands of prospects, so they are memoised (bounded).
 */
const intervalCache = new Map<string, { start: number; end: number } | null>();
const INTERVAL_CACHE_LIMIT = 20_000;

/** The window interval [start, end) in ms of local date `date`, or null if that weekday is closed. */
function intervalOn(window: ResolvedWindow, date: number): { start: number; end: number } | null {
	if (!window.days.has(weekdayOf(date))) return null;
	const key = `${window.timeZone}|${window.fromMinute}|${window.toMinute}|${date}`;
	const cached = intervalCache.get(key);
	if (cached !== undefined) return cached;
	const start = firstInstantAtOrAfterLocal(window.zone, date, window.fromMinute);
	const end = firstInstantAtOrAfterLocal(window.zone, date, window.toMinute);
	const interval = end > start ? { start, end } : null;
	if (intervalCache.size >= INTERVAL_CACHE_LIMIT) intervalCache.clear();
	intervalCache.set(key, interval);
	return interval;
}

function isInResolved(window: ResolvedWindow, ms: number): boolean {
	const today = localDate(window.zone, ms);
	for (const date of [today - DAY, today, today + DAY]) {
		const interval = intervalOn(window, date);
		if (interval && interval.start <= ms && ms < interval.end) return true;
	}
	return false;
}

function nextStartResolved(window: ResolvedWindow, ms: number): number {
	if (isInResolved(window, ms)) return ms;
	const today = localDate(window.zone, ms);
	for (let k = -1; k <= 8; k++) {
		const interval = intervalOn(window, today + k * DAY);
		if (interval && interval.start > ms) return interval.start;
	}
	// unreachable for a validated window (at least one weekday, from < to); kept as a guard
	throw new InputError('INVALID_PARAMETER', 'The sending window never opens');
}

/**
 * Whether `now` is inside the sending window.
 *
 * @param prospectTimeZone - Overrides the window's zone when given and not blank.
 */
export function isInWindow(now: Instant, window: SendWindow, prospectTimeZone?: string | null): boolean {
	return isInResolved(resolveWindow(window, prospectTimeZone), toMillis(now));
}

/**
 * The earliest instant at or after `now` inside the window: `now` itself when the window is open,
 * otherwise the next opening. Returned in the zone that applied.
 */
export function nextWindowStart(now: Instant, window: SendWindow, prospectTimeZone?: string | null): DateTime {
	const resolved = resolveWindow(window, prospectTimeZone);
	return DateTime.fromMillis(nextStartResolved(resolved, toMillis(now)), { zone: resolved.timeZone });
}
