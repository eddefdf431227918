/**
 * Preview: what every step of the sequence says to one prospect and when it goes out, before anything
 * is sent. Each remaining step is rendered for the prospect (variables resolved, spintax chosen as it
 * will be at send time); a step that cannot be rendered carries its own error and the others are still
 * shown, so one broken follow-up template is found before the first email leaves. Pure: the renderer
 * and `now` are parameters.
 */
import { DateTime } from 'luxon';
import { asSequenceError, type SequenceError } from '../errors';
import type { Decision } from './decide';
import { toDateTime } from './instant';
import type { ProspectState } from './ledger';
import type { RenderedStep } from './render';
import { planRemaining, type StepTiming } from './schedule';
import { resolveWindow, type SendWindow } from './send-window';

/** One step of the sequence as Preview shows it for a prospect. */
export interface PreviewStep {
	step: number;
	/**
	 * `sent`: found in Sent; `due`: would go out in this run; `planned`: would go out
	 * at `at` at the earliest (its wait, then the window; pacing and limits ignored).
	 */
	status: 'sent' | 'due' | 'planned';
	/** ISO 8601 UTC: when it was sent, or would go out. */
	at: string;
	/** `at` in the prospect's zone (else the window's), named: "2026-12-03 09:00 (Europe/Paris)", or "now". */
	when: string;
	/** The rendered email (a sent step: as its template renders now); absent when it cannot be rendered. */
	email?: RenderedStep;
	/** Why the step cannot be rendered for this prospect (a missing variable names the expression). */
	error?: SequenceError;
	/** The step's A/B variant (A, B …) for this prospect; absent for a step without variants. */
	variant?: string;
}

/** What Preview adds to a prospect's result. */
export interface PreviewOfProspect {
	steps: PreviewStep[];
	/** The first remaining step that cannot be rendered: the prospect fails with this error. */
	firstError?: { step: number; error: SequenceError };
}

/** Everything a preview depends on. */
export interface PreviewInput {
	state: ProspectState;
	steps: readonly StepTiming[];
	decision: Decision;
	now: Date;
	window: SendWindow;
	prospectTimeZone?: string;
	/**
	 * Renders step `step` for this prospect; throws for a missing variable, an empty subject … For a
	 * follow-up before step 1 was sent, `threadSubject` is step 1's subject as rendered here (a blank
	 * follow-up subject becomes `Re: <it>`).
	 */
	render: (step: number, threadSubject: string | undefined) => RenderedStep;
}

/**
 * Every step for one prospect: the sent ones with their date, the remaining ones with the date each
 * would go out, all rendered from the templates as they read now. A sent step is rendered too, so a
 * template broken after a prospect passed it (it would fail the next new prospect) still shows; its
 * error is on the step only, since nothing more goes out for it to this prospect. A stopped prospect
 * (other than an auto-reply pause) and a completed one have no remaining steps.
 */
export function previewProspect(input: PreviewInput): PreviewOfProspect {
	const { state, decision, window, prospectTimeZone } = input;
	const zone = resolveWindow(window, prospectTimeZone).timeZone;
	const local = (at: DateTime) => `${at.setZone(zone).toFormat('yyyy-MM-dd HH:mm')} (${zone})`;
	let threadSubject: string | undefined;
	const rendered = (entry: PreviewStep): PreviewStep => {
		try {
			entry.email = input.render(entry.step, threadSubject);
			if (entry.step === 1) threadSubject = entry.email.subject;
		} catch (error) {
			entry.error = asSequenceError(error);
		}
		return entry;
	};
	const steps: PreviewStep[] = state.steps.map((sent) => {
		const at = toDateTime(sent.sentAt);
		return rendered({ step: sent.step, status: 'sent', at: at.toISO() as string, when: local(at) });
	});
	const ends = decision.status === 'completed' || (decision.status === 'stopped' && decision.stopReason !== 'autoReplyPause');
	if (ends) return { steps };

	const plan = planRemaining(state, input.steps, input.now, window, {
		prospectTimeZone,
		notBefore: decision.status === 'stopped' ? decision.nextStepAt : undefined,
	});
	let firstError: PreviewOfProspect['firstError'];
	for (const planned of plan) {
		const dueNow = decision.status === 'due' && planned.step === decision.step;
		const entry = rendered({
			step: planned.step,
			status: dueNow ? 'due' : 'planned',
			at: planned.at.toUTC().toISO() as string,
			when: dueNow ? 'now' : local(planned.at),
		});
		if (entry.error) firstError ??= { step: planned.step, error: entry.error };
		steps.push(entry);
	}
	return { steps, ...(firstError ? { firstError } : {}) };
}
