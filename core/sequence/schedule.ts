/**
 * When steps fall due: the wait after the previous step, then the first open window instant. Pure:
 * `now` is a parameter and the result is a plan, never a sleep.
 */
import { DateTime } from 'luxon';
import { InputError } from '../errors';
import { type Instant, toDateTime, toMillis } from './instant';
import { nextWindowStart, resolveTimeZone, type SendWindow } from './send-window';

/** Units of the wait before a step. */
export type WaitUnit = 'minutes' | 'hours' | 'days' | 'businessDays';

/** The wait before a step, counted from when the previous step was sent. */
export interface Wait {
	amount: number;
	/**
	 * `minutes`/`hours`: elapsed time. `days`: calendar days at the same local time (a DST change does not
	 * shift it). `businessDays`: Monday–Friday days at the same local time, in the applied zone.
	 */
	unit: WaitUnit;
}

/** What scheduling needs from a step of the sequence. */
export interface StepTiming {
	/** Wait after the previous step; ignored for step 1, which is due as soon as the window allows. */
	wait: Wait;
}

/** One step the plan says would go out. */
export interface PlannedStep {
	step: number;
	at: DateTime;
}

const UNIT_NAMES: Record<WaitUnit, string> = { minutes: 'minutes', hours: 'hours', days: 'days', businessDays: 'business days' };

/**
 * Throws unless the wait is a number ≥ 0, whole for days and business days (a day is a calendar step at
 * the same local time, so half a day has no meaning there).
 *
 * @param step - The step the wait belongs to, named in the message (the node checks every step when it
 *   reads its parameters, so a bad wait never reaches a run).
 * @throws InputError `INVALID_PARAMETER`.
 */
export function checkWait(wait: Wait, step?: number): void {
	const whole = wait.unit === 'days' || wait.unit === 'businessDays';
	if (Number.isFinite(wait.amount) && wait.amount >= 0 && (!whole || Number.isInteger(wait.amount))) return;
	const where = step === undefined ? 'Wait' : `Step ${step}: Wait Before This Step`;
	const fractionalDays = whole && Number.isFinite(wait.amount) && wait.amount > 0;
	throw new InputError(
		'INVALID_PARAMETER',
		`${where} is ${String(wait.amount)} ${UNIT_NAMES[wait.unit]}; expected ${whole ? 'a whole number' : 'a number'} of at least 0`,
		{
			hint: fractionalDays
				? `Use whole ${UNIT_NAMES[wait.unit]}, or hours for part of a day (${String(wait.amount)} days = ${String(wait.amount * 24)} hours).`
				: 'Enter a number of at least 0.',
		},
	);
}

/**
 * The earliest moment the next step may go out, from the wait alone (no window).
 *
 * @param timeZone - Zone for `days` and `businessDays` (the window's, or the prospect's when given).
 * @throws InputError `INVALID_PARAMETER` for a negative or fractional day count, `INVALID_TIMEZONE`.
 */
export function earliestDueAt(previousSentAt: Instant, wait: Wait, timeZone: string): DateTime {
	checkWait(wait);
	const start = toDateTime(previousSentAt, resolveTimeZone(timeZone, 'Time zone'));
	switch (wait.unit) {
		case 'minutes':
			return start.plus({ minutes: wait.amount });
		case 'hours':
			return start.plus({ hours: wait.amount });
		case 'days':
			return start.plus({ days: wait.amount });
		case 'businessDays': {
			let due = start;
			let remaining = wait.amount;
			while (remaining > 0) {
				due = due.plus({ days: 1 });
				if (due.weekday <= 5) remaining--;
			}
			return due;
		}
	}
}

function zoneOf(window: SendWindow, prospectTimeZone?: string | null): string {
	return prospectTimeZone != null && prospectTimeZone.trim() !== '' ? prospectTimeZone : window.timeZone;
}

/** The first window instant at or after the wait has passed. */
export function dueAt(previousSentAt: Instant, wait: Wait, window: SendWindow, prospectTimeZone?: string | null): DateTime {
	return nextWindowStart(earliestDueAt(previousSentAt, wait, zoneOf(window, prospectTimeZone)), window, prospectTimeZone);
}

/** Steps already sent, as the ledger reports them. */
export interface SentHistory {
	steps: readonly { step: number; sentAt: Instant }[];
}

/** The next step number and when its wait is over (`waitOverAt`), before any window. */
export interface NextStepTiming {
	step: number;
	/** When the wait after the previous step ends; undefined for step 1 (no wait). */
	waitOverAt?: DateTime;
}

/** The step after the highest one sent, and when its wait ends. */
export function nextStepTiming(
	history: SentHistory,
	steps: readonly StepTiming[],
	window: SendWindow,
	prospectTimeZone?: string | null,
): NextStepTiming {
	let last: { step: number; sentAt: Instant } | undefined;
	for (const sent of history.steps) if (!last || sent.step > last.step) last = sent;
	if (!last) return { step: 1 };
	const step = last.step + 1;
	if (step > steps.length) return { step };
	return { step, waitOverAt: earliestDueAt(last.sentAt, steps[step - 1].wait, zoneOf(window, prospectTimeZone)) };
}

/**
 * When every remaining step would go out if each were sent at its earliest allowed time (the wait, then
 * the window; pacing and limits ignored). For the Preview operation.
 *
 * @param notBefore - An extra lower bound for the next step, e.g. the end of an auto-reply pause.
 */
export function planRemaining(
	history: SentHistory,
	steps: readonly StepTiming[],
	now: Instant,
	window: SendWindow,
	options: { prospectTimeZone?: string | null; notBefore?: Instant } = {},
): PlannedStep[] {
	const { prospectTimeZone } = options;
	const next = nextStepTiming(history, steps, window, prospectTimeZone);
	if (next.step > steps.length) return [];
	const lowerBound = Math.max(
		toMillis(now),
		next.waitOverAt ? next.waitOverAt.toMillis() : -Infinity,
		options.notBefore ? toMillis(options.notBefore) : -Infinity,
	);
	const plan: PlannedStep[] = [];
	let at = nextWindowStart(DateTime.fromMillis(lowerBound), window, prospectTimeZone);
	plan.push({ step: next.step, at });
	for (let step = next.step + 1; step <= steps.length; step++) {
		at = dueAt(at, steps[step - 1].wait, window, prospectTimeZone);
		plan.push({ step, at });
	}
	return plan;
}

/** Local midnight of `now`'s day in `timeZone`: where the daily limit's day starts. */
export function startOfDay(now: Instant, timeZone: string): DateTime {
	return toDateTime(now, resolveTimeZone(timeZone, 'Time zone')).startOf('day');
}
