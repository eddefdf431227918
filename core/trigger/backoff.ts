/**
 * Reconnect pacing and the line between "the connection dropped, try again" and "this will not work
 * without the user": pure functions of the attempt number, the error and the clock.
 */

/** Reconnect tunables. */
export interface BackoffPolicy {
	/** Wait before the first reconnect attempt. Default 1 s. */
	initialMs: number;
	/** Longest wait between attempts. Default 60 s. */
	maxMs: number;
	/**
	 * How long reconnecting may keep failing before the trigger reports the failure to n8n (which then
	 * shows it and re-activates the workflow itself). Default 5 minutes.
	 */
	giveUpAfterMs: number;
}

/** The defaults the node uses. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 60_000, giveUpAfterMs: 5 * 60_000 };

/** Wait before attempt `attempt` (1-based): initial, doubled each time, capped. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
	const exponent = Math.max(0, attempt - 1);
	return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(exponent, 30));
}

/**
 * Whether to stop retrying and report: at once for errors retrying cannot fix (wrong password, TLS
 * mismatch, untrusted certificate), else once failures have lasted `giveUpAfterMs`.
 */
export function shouldGiveUp(
	error: { temporary: boolean },
	failingSince: number,
	now: number,
	policy: BackoffPolicy,
): boolean {
	if (!error.temporary) return true;
	return now - failingSince >= policy.giveUpAfterMs;
}
