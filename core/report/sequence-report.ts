/**
 * The sequence report: what a hosted sequencer's dashboard shows, counted from the mailbox alone — our
 * copies in Sent (each Message-ID names the sequence, the prospect, the step and its variant) and the
 * classified inbound mail that refers to them. Pure: the transport reads the facts, `now` is a parameter.
 *
 * One row per step × variant (a step without variants is one row, variant `null`) and one totals row.
 * Counts are of prospects, never of messages: two auto-replies of one prospect to step 2 count once.
 *
 * - An inbound message counts for the step it answers (the highest of the prospect's steps it refers
 *   to) and for the variant the prospect got at that step.
 * - `stopped` / `finished` / `active` describe where each prospect is now and are counted at the row of
 *   their last step sent: stopped = replied, bounced, unsubscribed or complained (what the Send operation
 *   stops on by default); finished = every step sent and not stopped; active = the others (a later step
 *   is still to come). So for each step, prospects = stopped + finished + active + those who moved on.
 * - Time to reply: from the step the first reply answers to that reply, per row; the median in hours.
 */
import { DateTime } from 'luxon';
import { variantName } from '../mail/message-id';
import type { InboundFact, Ledger, ProspectState, SentStep } from '../sequence/ledger';
import { ledgerKey } from '../sequence/ledger';

/** One row of the report: a step × variant, or the totals. Flat, so a Google Sheets append or a Slack message maps it directly. */
export interface ReportRow {
	sequenceKey: string;
	/** `step`: one step × variant; `total`: the whole sequence. */
	scope: 'step' | 'total';
	/** The step (1 = first email); null in the totals row. */
	step: number | null;
	/** The variant (A, B …); null for a step without variants and in the totals row. */
	variant: string | null;
	/** Prospects who got this step in this variant (totals: prospects who got step 1 or any step). */
	prospectsStarted: number;
	emailsSent: number;
	/** Prospects who replied to this step (totals: prospects who replied at all). */
	replies: number;
	/** replies / prospectsStarted, in percent, one decimal. */
	replyRatePercent: number;
	autoReplies: number;
	bounces: number;
	hardBounces: number;
	softBounces: number;
	unsubscribes: number;
	complaints: number;
	finished: number;
	stopped: number;
	active: number;
	/** Median time from the step's email to the first reply, in hours (one decimal); null without replies. */
	medianHoursToReply: number | null;
	reportedAt: string;
}

/** What the report is computed from. */
export interface ReportInput {
	sequenceKey: string;
	/** The ledger of every prospect found in Sent for the sequence. */
	ledger: Ledger;
	/** The prospects' addresses (as the ledger was built for). */
	addresses: readonly string[];
	/** Inbound facts of the sequence (`toInboundFacts`). */
	inbound: readonly InboundFact[];
	/** Steps in the sequence; `finished` needs it. Default: the highest step found in Sent. */
	totalSteps?: number;
	now: Date;
}

type EventKind = 'reply' | 'autoReply' | 'bounce' | 'unsubscribe' | 'complaint';

/** Accumulates one row. */
class RowCounter {
	readonly prospects = new Set<string>();
	emails = 0;
	readonly events: Record<EventKind, Set<string>> = {
		reply: new Set(),
		autoReply: new Set(),
		bounce: new Set(),
		unsubscribe: new Set(),
		complaint: new Set(),
	};
	readonly hardBounces = new Set<string>();
	finished = 0;
	stopped = 0;
	active = 0;
	readonly hoursToReply: number[] = [];

	constructor(
		readonly step: number | null,
		readonly variant: number | undefined,
	) {}
}

function median(values: readonly number[]): number | null {
	if (values.length === 0) return null;
	const sorted = [...values].sort((a, b) => a - b);
	const mid = Math.floor(sorted.length / 2);
	return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round1 = (value: number): number => Math.round(value * 10) / 10;

function isStopped(state: ProspectState): boolean {
	return state.replied !== undefined || state.bounced !== undefined || state.unsubscribed !== undefined || state.complained !== undefined;
}

function toRow(sequenceKey: string, counter: RowCounter, scope: 'step' | 'total', reportedAt: string): ReportRow {
	const started = counter.prospects.size;
	const replies = counter.events.reply.size;
	const hours = median(counter.hoursToReply);
	return {
		sequenceKey,
		scope,
		step: counter.step,
		variant: variantName(counter.variant),
		prospectsStarted: started,
		emailsSent: counter.emails,
		replies,
		replyRatePercent: started === 0 ? 0 : round1((replies / started) * 100),
		autoReplies: counter.events.autoReply.size,
		bounces: counter.events.bounce.size,
		hardBounces: counter.hardBounces.size,
		softBounces: counter.events.bounce.size - counter.hardBounces.size,
		unsubscribes: counter.events.unsubscribe.size,
		complaints: counter.events.complaint.size,
		finished: counter.finished,
		stopped: counter.stopped,
		active: counter.active,
		medianHoursToReply: hours === null ? null : round1(hours),
		reportedAt,
	};
}

/** The report's rows: step × variant in order (step, then variant), then the totals row. */
export function sequenceReport(input: ReportInput): ReportRow[] {
	const { sequenceKey, ledger, inbound } = input;
	const rows = new Map<string, RowCounter>();
	const rowOf = (step: number, variant: number | undefined): RowCounter => {
		const key = `${step}.${variant ?? ''}`;
		let row = rows.get(key);
		if (!row) rows.set(key, (row = new RowCounter(step, variant)));
		return row;
	};
	const total = new RowCounter(null, undefined);
	const states = new Map<string, ProspectState>();
	for (const address of input.addresses) {
		const key = ledgerKey(sequenceKey, address);
		if (!states.has(key)) states.set(key, ledger.get(sequenceKey, address));
	}
	let highest = 0;
	for (const state of states.values()) highest = Math.max(highest, state.lastStep);
	const totalSteps = Math.max(input.totalSteps ?? 0, highest);

	for (const [key, state] of states) {
		if (state.steps.length === 0) continue;
		total.prospects.add(key);
		for (const sent of state.steps) {
			const row = rowOf(sent.step, sent.variant);
			row.prospects.add(key);
			row.emails++;
			total.emails++;
		}
		const last = state.steps[state.steps.length - 1];
		const where = rowOf(last.step, last.variant);
		const status: 'stopped' | 'finished' | 'active' = isStopped(state) ? 'stopped' : state.lastStep >= totalSteps ? 'finished' : 'active';
		where[status]++;
		total[status]++;
		if (state.replied) {
			const answered = stepSent(state, state.replied.step);
			if (answered) {
				const hours = state.replied.at.diff(answered.sentAt, 'hours').hours;
				if (hours >= 0) {
					rowOf(answered.step, answered.variant).hoursToReply.push(hours);
					total.hoursToReply.push(hours);
				}
			}
		}
	}

	for (const fact of inbound) {
		// a delivery report and a delay warning (the MTA keeps trying) are no event of the prospect's
		if (fact.kind === 'deliveryReport' || fact.kind === 'bounceDelayed') continue;
		const highestStep = new Map<string, number>();
		for (const ref of fact.refs) {
			const key = `${ref.sequenceHash}.${ref.prospectHash}`;
			if (states.has(key)) highestStep.set(key, Math.max(highestStep.get(key) ?? 0, ref.step));
		}
		for (const [key, step] of highestStep) {
			const state = states.get(key) as ProspectState;
			const sent = stepSent(state, step);
			// mail about a step with no copy left in Sent (deleted by hand) counts in the totals only
			const row = sent ? rowOf(sent.step, sent.variant) : undefined;
			for (const counter of row ? [row, total] : [total]) {
				counter.events[fact.kind].add(key);
				if (fact.kind === 'bounce' && fact.bounceHard === true) counter.hardBounces.add(key);
			}
		}
	}

	const reportedAt = DateTime.fromJSDate(input.now, { zone: 'utc' }).toISO() ?? input.now.toISOString();
	const ordered = [...rows.values()].sort((a, b) => (a.step as number) - (b.step as number) || (a.variant ?? -1) - (b.variant ?? -1));
	return [...ordered.map((row) => toRow(sequenceKey, row, 'step', reportedAt)), toRow(sequenceKey, total, 'total', reportedAt)];
}

function stepSent(state: ProspectState, step: number): SentStep | undefined {
	return state.steps.find((s) => s.step === step);
}
