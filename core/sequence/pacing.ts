/**
 * Pacing: a random pause between two sends so the mailbox sends like a person, not a script.
 * The randomness is injected so plans are reproducible in tests.
 */
import { InputError } from '../errors';

/** A source of uniform numbers in [0, 1), like Math.random. */
export type RandomSource = () => number;

function checkRange(minSeconds: number, maxSeconds: number): void {
	if (!Number.isFinite(minSeconds) || !Number.isFinite(maxSeconds) || minSeconds < 0 || maxSeconds < minSeconds) {
		throw new InputError(
			'INVALID_PARAMETER',
			`Pacing ${String(minSeconds)}–${String(maxSeconds)} seconds is not valid (expected 0 ≤ minimum ≤ maximum)`,
		);
	}
}

/**
 * A pause in milliseconds, uniform in [minSeconds, maxSeconds] (whole milliseconds).
 *
 * @throws InputError `INVALID_PARAMETER` when min > max or either is negative.
 */
export function pacingDelayMs(minSeconds: number, maxSeconds: number, random: RandomSource = Math.random): number {
	checkRange(minSeconds, maxSeconds);
	const r = Math.min(Math.max(random(), 0), 1);
	return Math.round((minSeconds + r * (maxSeconds - minSeconds)) * 1000);
}

/**
 * How long to wait before the next send, given when the previous one finished: the pause counts from
 * the previous send, so time spent rendering or checking the ledger is not added on top.
 *
 * @param lastSentAtMs - Epoch ms of the previous send in this run, or undefined for the first send.
 */
export function remainingPauseMs(lastSentAtMs: number | undefined, nowMs: number, delayMs: number): number {
	if (lastSentAtMs === undefined) return 0;
	return Math.max(0, lastSentAtMs + delayMs - nowMs);
}

/**
 * Offsets in ms from the run's start at which `count` sends would go out (first at 0), each separated by
 * a fresh pacing delay. Used by Preview and to check a run fits its maximum duration.
 */
export function pacingPlan(count: number, minSeconds: number, maxSeconds: number, random: RandomSource = Math.random): number[] {
	checkRange(minSeconds, maxSeconds);
	const offsets: number[] = [];
	let at = 0;
	for (let i = 0; i < count; i++) {
		if (i > 0) at += pacingDelayMs(minSeconds, maxSeconds, random);
		offsets.push(at);
	}
	return offsets;
}
