/**
 * Manual runs from the editor (*Execute step*, *Execute workflow*) are for trying the sequence out: the
 * user watches "Executing node…" until the node returns. Pacing a run there the way a scheduled run is
 * paced (60–180 s between sends by default) makes the editor look frozen for minutes, so a manual run
 * sends without pauses unless the user asks for them, and its output says so.
 */
import type { IDataObject, IExecuteFunctions, WorkflowExecuteMode } from 'n8n-workflow';
import type { SequenceOptions } from '../../../core/sequence/options';

/** The options a run uses, and the note its items carry when they differ from a scheduled run's. */
export interface PacingForMode {
	options: SequenceOptions;
	/** Set when pauses were skipped: one sentence for the output (items and the output pane's hint). */
	note?: string;
}

/**
 * Pacing for n8n's execution mode: `manual` (the editor) skips the pauses between sends unless
 * `paceManualRuns`; every other mode (`trigger`, `webhook`, `retry`, …) paces as configured.
 */
export function pacingForMode(mode: WorkflowExecuteMode, options: SequenceOptions, paceManualRuns: boolean): PacingForMode {
	if (mode !== 'manual' || paceManualRuns || options.pacingMaxSeconds === 0) return { options };
	const range =
		options.pacingMinSeconds === options.pacingMaxSeconds
			? `${options.pacingMinSeconds} s`
			: `${options.pacingMinSeconds}–${options.pacingMaxSeconds} s`;
	return {
		options: { ...options, pacingMinSeconds: 0, pacingMaxSeconds: 0 },
		note:
			`Manual run from the editor: emails were sent without the ${range} pause between sends. ` +
			'Scheduled (active) runs keep that pause; to pause in manual runs too, turn on Pacing & Limits → Pace Manual Runs.',
	};
}

/** Pacing & Limits → Pace Manual Runs (off by default). */
export function readPaceManualRuns(fn: IExecuteFunctions): boolean {
	const pacing = fn.getNodeParameter('pacing', 0, {}) as IDataObject;
	return pacing.paceManualRuns === true;
}
