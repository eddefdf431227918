/**
 * The decision table: what to do for one prospect now. Pure; the node acts on the result.
 *
 * Precedence, first match wins:
 * 1. Permanent stops — manual, unsubscribed (a spam complaint always counts here, whatever the rules),
 *    bounced, replied, companyReplied. They say why the sequence ended, which is what a CRM write-back
 *    needs even when every step had already gone out, so they come before `completed`.
 * 2. `completed` — nothing left to send.
 * 3. `autoReplyPause` — a temporary stop; only meaningful while steps remain, hence after `completed`.
 * 4. `notDue` — the wait after the previous step is not over.
 * 5. `outsideWindow` — the wait is over but the window is closed.
 * 6. `dailyLimitReached`, then `runLimitReached` (count or duration) — limits come last because they
 *    only hold back a prospect that would otherwise be sent now; reporting a limit for a prospect whose
 *    step is due next week would mislead. Daily before run: it is the longer hold.
 * 7. `due` — send the step now.
 */
import { DateTime } from 'luxon';
import type { ProspectState } from './ledger';
import type { StopRules } from './options';
import { nextStepTiming, startOfDay, type StepTiming } from './schedule';
import { type Instant, toDateTime, toMillis } from './instant';
import { isInWindow, nextWindowStart, resolveWindow, type SendWindow } from './send-window';

/** Why a prospect's sequence stopped. */
export type StopReason = 'replied' | 'bounced' | 'unsubscribed' | 'autoReplyPause' | 'companyReplied' | 'manual';

/** The decision for one prospect; `reason` is a sentence for the user. */
export type Decision =
	| { status: 'due'; step: number; reason: string }
	| { status: 'notDue'; step: number; nextStepAt: DateTime; reason: string }
	| { status: 'outsideWindow'; step: number; nextStepAt: DateTime; reason: string }
	| { status: 'dailyLimitReached'; step: number; nextStepAt: DateTime; reason: string }
	| { status: 'runLimitReached'; step: number; reason: string }
	| { status: 'stopped'; stopReason: StopReason; nextStepAt?: DateTime; reason: string }
	| { status: 'completed'; lastStep: number; reason: string };

/** The run's sending budget so far. */
export interface LimitsState {
	/** Sequence emails sent today by this mailbox (from Sent, see `countSentSince`). */
	sentToday: number;
	dailyLimit: number;
	sentThisRun: number;
	maxPerRun: number;
	/** When the run must stop starting sends (start + max run duration). */
	runDeadline?: Instant;
}

/** Everything the decision depends on. */
export interface DecisionInput {
	state: ProspectState;
	/** Signals from the input item (the user's CRM); all optional. */
	prospect: { stop?: boolean; replied?: boolean; timeZone?: string | null };
	steps: readonly StepTiming[];
	stopRules: StopRules;
	now: Instant;
	window: SendWindow;
	limits: LimitsState;
}

/**
 * Times of one reason sentence, all in the zone that applies to the prospect (theirs, else the window's),
 * which the sentence names once at its end: "Replied to step 1 on 2024-03-05 08:00 (Europe/Berlin)".
 */
function timesIn(zone: string): { at(at: DateTime): string; end: string } {
	return { at: (at) => at.setZone(zone).toFormat('yyyy-MM-dd HH:mm'), end: ` (${zone})` };
}

/** Said wherever a reply stops a prospect: the ledger matches replies by address too (docs/design.md). */
export const REPLY_SCOPE = 'A reply from this address stops every sequence this mailbox sends to it.';

function stoppedBy(input: DecisionInput, zone: string): Decision | undefined {
	const { state, prospect, stopRules } = input;
	const t = timesIn(zone);
	if (prospect.stop === true) return { status: 'stopped', stopReason: 'manual', reason: 'Stopped by the input item (stop flag set)' };
	if (state.complained) {
		return { status: 'stopped', stopReason: 'unsubscribed', reason: `Marked our email as spam on ${t.at(state.complained.at)}${t.end}` };
	}
	if (stopRules.onUnsubscribe && state.unsubscribed) {
		return { status: 'stopped', stopReason: 'unsubscribed', reason: `Asked to be removed on ${t.at(state.unsubscribed.at)}${t.end}` };
	}
	if (stopRules.onBounce && state.bounced) {
		return { status: 'stopped', stopReason: 'bounced', reason: `Step ${state.bounced.step} bounced on ${t.at(state.bounced.at)}${t.end}` };
	}
	if (stopRules.onReply && state.replied) {
		return {
			status: 'stopped',
			stopReason: 'replied',
			reason: `Replied to step ${state.replied.step} on ${t.at(state.replied.at)}${t.end}. ${REPLY_SCOPE}`,
		};
	}
	if (stopRules.onReply && prospect.replied === true) {
		return { status: 'stopped', stopReason: 'replied', reason: 'Marked as replied by the input item' };
	}
	if (stopRules.onCompanyReply && state.companyReplied) {
		return {
			status: 'stopped',
			stopReason: 'companyReplied',
			reason: `${state.companyReplied.from} at the same company replied on ${t.at(state.companyReplied.at)}${t.end}`,
		};
	}
	return undefined;
}

/** Decides one prospect's status now; see the module comment for the order of the rules. */
export function decide(input: DecisionInput): Decision {
	const { state, steps, window, limits } = input;
	const zoneOverride = input.prospect.timeZone;
	const zone = resolveWindow(window, zoneOverride).timeZone;
	const stopped = stoppedBy(input, zone);
	if (stopped) return stopped;

	const t = timesIn(zone);
	const now = toDateTime(input.now, zone);

	const next = nextStepTiming(state, steps, window, zoneOverride);
	if (next.step > steps.length) {
		return { status: 'completed', lastStep: state.lastStep, reason: `All ${steps.length} steps sent` };
	}

	const pause = input.stopRules.onAutoReply ? state.autoReply : undefined;
	if (pause && pause.pauseUntil > now) {
		const resume = nextWindowStart(
			DateTime.max(pause.pauseUntil, next.waitOverAt ?? pause.pauseUntil),
			window,
			zoneOverride,
		);
		return {
			status: 'stopped',
			stopReason: 'autoReplyPause',
			nextStepAt: resume,
			reason: `Auto-reply on ${t.at(pause.at)}; paused until ${t.at(pause.pauseUntil)}${t.end}`,
		};
	}

	if (next.waitOverAt && next.waitOverAt > now) {
		const at = nextWindowStart(next.waitOverAt, window, zoneOverride);
		return { status: 'notDue', step: next.step, nextStepAt: at, reason: `Step ${next.step} is due ${t.at(at)}${t.end}` };
	}

	if (!isInWindow(now, window, zoneOverride)) {
		const at = nextWindowStart(now, window, zoneOverride);
		return {
			status: 'outsideWindow',
			step: next.step,
			nextStepAt: at,
			reason: `Step ${next.step} is due, but the sending window is closed: it goes out when the window opens, ${t.at(at)}${t.end}`,
		};
	}

	if (limits.sentToday >= limits.dailyLimit) {
		const tomorrow = startOfDay(now, window.timeZone).plus({ days: 1 });
		const at = nextWindowStart(tomorrow, window, zoneOverride);
		return {
			status: 'dailyLimitReached',
			step: next.step,
			nextStepAt: at,
			reason: `Daily limit of ${limits.dailyLimit} emails reached (${limits.sentToday} sent today); step ${next.step} goes out from ${t.at(at)}${t.end}`,
		};
	}
	if (limits.sentThisRun >= limits.maxPerRun) {
		return { status: 'runLimitReached', step: next.step, reason: `Run limit of ${limits.maxPerRun} emails reached` };
	}
	if (limits.runDeadline !== undefined && toMillis(limits.runDeadline) <= now.toMillis()) {
		return { status: 'runLimitReached', step: next.step, reason: 'Maximum run duration reached' };
	}

	return { status: 'due', step: next.step, reason: next.step === 1 ? 'Step 1 is due' : `Step ${next.step} is due (wait over)` };
}
