/**
 * What a run says about each prospect, and the pure conversions that shape it: a decision, a failure,
 * or a send becomes a `ProspectResult`, which the node turns into an output item.
 */
import { DateTime } from 'luxon';
import type { SequenceError } from '../errors';
import type { Decision, StopReason } from './decide';
import type { PreviewStep } from './preview';

/** Status of one prospect after the run; 'due' only in Preview (the step would go out now). */
export type ResultStatus = Decision['status'] | 'sent' | 'failed';

/** One step found in Sent. */
export interface HistoryEntry {
	step: number;
	messageId: string;
	sentAt: string;
	/** The step's variant (A, B …), read from the copy's Message-ID; absent for a step without variants. */
	variant?: string;
	/** Claimed in Sent, but nobody knows whether the SMTP server accepted it (see docs/design.md). */
	unconfirmed?: boolean;
	/** The bounce that stopped the prospect answers this step (a delivery-status report, or a refusal at RCPT). */
	bounced?: boolean;
}

/**
 * Preview only: every step for the prospect (see `preview.ts`); `next` is the first step still to go
 * out, rendered unless its template fails for this prospect.
 */
export interface PreviewDetails {
	steps: PreviewStep[];
	next?: PreviewStep;
}

/** What the run says about one prospect (the node turns it into an item). */
export interface ProspectResult {
	index: number;
	email: string;
	sequenceKey: string;
	status: ResultStatus;
	reason: string;
	stopReason?: StopReason;
	/** The step sent, due, or previewed; for `completed`, the last step. */
	step?: number;
	/** The variant (A, B …) of `step`, for a step with variants. */
	variant?: string;
	messageId?: string;
	/** Message-ID of step 1: the thread a CRM can link to. */
	threadMessageId?: string;
	sentAt?: string;
	nextStepAt?: string;
	smtpResponse?: string;
	/**
	 * `sent` only: the server never answered after the whole message was transmitted (timeout or reset
	 * after DATA), so it may or may not have it. Counted as sent, never sent again.
	 */
	unconfirmed?: true;
	/** Steps found in Sent. */
	history: HistoryEntry[];
	error?: SequenceError;
	preview?: PreviewDetails;
	/** Status `sent`: the email as it went out (subject, text with footer, HTML when there is one). */
	sentEmail?: { subject: string; text: string; html?: string };
}

/** ISO 8601 in UTC, or undefined. */
export function isoString(at: DateTime | Date | undefined): string | undefined {
	if (!at) return undefined;
	// luxon's mark, not `instanceof Date` (see `toMillis` in instant.ts: Dates from the worker thread)
	return DateTime.isDateTime(at) ? (at.toUTC().toISO() ?? undefined) : at.toISOString();
}

/** The result fields every status shares, from the prospect's history. */
export function baseResult(index: number, email: string, sequenceKey: string, history: HistoryEntry[]): ProspectResult {
	return {
		index,
		email,
		sequenceKey,
		status: 'failed',
		reason: '',
		history,
		...(history[0] ? { threadMessageId: history[0].messageId } : {}),
	};
}

/** A failed prospect: the error's message is the reason. */
export function failedResult(base: ProspectResult, error: SequenceError, step?: number): ProspectResult {
	return { ...base, status: 'failed', reason: error.message, error, ...(step ? { step } : {}) };
}

/** A prospect that is not sent to now, with the decision's status, step and dates. */
export function decisionResult(base: ProspectResult, decision: Decision): ProspectResult {
	const result: ProspectResult = { ...base, status: decision.status, reason: decision.reason };
	switch (decision.status) {
		case 'stopped':
			result.stopReason = decision.stopReason;
			if (decision.nextStepAt) result.nextStepAt = isoString(decision.nextStepAt);
			break;
		case 'completed':
			result.step = decision.lastStep;
			break;
		case 'runLimitReached':
		case 'due':
			result.step = decision.step;
			break;
		default:
			result.step = decision.step;
			result.nextStepAt = isoString(decision.nextStepAt);
	}
	return result;
}
