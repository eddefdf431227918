/**
 * Turns what the mailboxes hold into the chaos figures. Each phase registers what it asked for (the
 * sequences it ran, the replies it sent); the counts come from the stored messages alone.
 */
import type { Stored } from './mailbox-count';
import { stepId, type PhaseName } from './setup';

/** A sequence a phase ran: its key, prospects, number of steps and, if it tested one, the daily limit. */
export interface SequencePlan {
	phase: PhaseName;
	key: string;
	prospects: readonly string[];
	steps: number;
	/** The day's limit when the phase's sender started the day (its Sent emptied) with this sequence alone. */
	dailyLimit?: number;
}

/** A reply the run sent as a prospect (or as a stream of answers for the trigger to catch). */
export interface SentReply {
	messageId: string;
	/** The mailbox it was sent to (the sequence's sender). */
	to: string;
	/** For a prospect's own reply: who replied, in which sequence (the sends after it are checked). */
	prospect?: string;
	key?: string;
}

export interface SendFigures {
	delivered: number;
	duplicateSends: number;
	dailyLimitExceeded: number;
	/** (prospect, step) pairs delivered more than once, for FINDINGS.md. */
	duplicates: { key: string; prospect: string; step: number; copies: number }[];
	overLimit: { key: string; limit: number; delivered: number }[];
}

/** Copies of each sequence step in the prospects' mailboxes; copies over one are duplicate sends. */
export function sendFigures(plans: readonly SequencePlan[], stored: readonly Stored[]): SendFigures {
	const byId = new Map<string, { plan: SequencePlan; prospect: string; step: number }>();
	for (const plan of plans) {
		for (const prospect of plan.prospects) {
			for (let step = 1; step <= plan.steps; step++) byId.set(stepId(plan.key, prospect, step), { plan, prospect, step });
		}
	}
	const copies = new Map<string, number>();
	for (const message of stored) {
		const meant = byId.get(message.messageId);
		if (!meant || !message.to.includes(meant.prospect.toLowerCase())) continue;
		copies.set(message.messageId, (copies.get(message.messageId) ?? 0) + 1);
	}
	const figures: SendFigures = { delivered: 0, duplicateSends: 0, dailyLimitExceeded: 0, duplicates: [], overLimit: [] };
	const perPlan = new Map<SequencePlan, number>();
	for (const [id, n] of copies) {
		const meant = byId.get(id);
		if (!meant) continue;
		figures.delivered += n;
		perPlan.set(meant.plan, (perPlan.get(meant.plan) ?? 0) + n);
		if (n > 1) {
			figures.duplicateSends += n - 1;
			figures.duplicates.push({ key: meant.plan.key, prospect: meant.prospect, step: meant.step, copies: n });
		}
	}
	for (const plan of plans) {
		const delivered = perPlan.get(plan) ?? 0;
		if (plan.dailyLimit !== undefined && delivered > plan.dailyLimit) {
			figures.dailyLimitExceeded += delivered - plan.dailyLimit;
			figures.overLimit.push({ key: plan.key, limit: plan.dailyLimit, delivered });
		}
	}
	return figures;
}

/**
 * Steps that reached a prospect although their reply had reached the sender's INBOX before the run
 * decided to send them. The step's Date header is that decision's moment (the inbox re-check follows
 * it); both clocks are read in whole seconds, so a step counts when its Date is at least two seconds
 * after the reply's INTERNALDATE — a reply stored at least one full second before the decision.
 */
export function sendsAfterReply(
	plans: readonly SequencePlan[],
	replies: readonly SentReply[],
	senderInboxes: readonly Stored[],
	recipients: readonly Stored[],
): { count: number; cases: { key: string; prospect: string; step: number; replyStoredAt: string; stepDate: string }[] } {
	const stored = new Map(senderInboxes.map((m) => [m.messageId, m]));
	const cases: { key: string; prospect: string; step: number; replyStoredAt: string; stepDate: string }[] = [];
	for (const reply of replies) {
		if (!reply.prospect || !reply.key) continue;
		const arrived = stored.get(reply.messageId);
		if (!arrived) continue;
		const plan = plans.find((p) => p.key === reply.key);
		if (!plan) continue;
		const prospect = reply.prospect;
		for (let step = 1; step <= plan.steps; step++) {
			const id = stepId(plan.key, prospect, step);
			for (const message of recipients) {
				if (message.messageId !== id || !message.to.includes(prospect.toLowerCase())) continue;
				const after = Math.floor(message.date.getTime() / 1000) - Math.floor(arrived.internalDate.getTime() / 1000);
				if (after >= 2) cases.push({ key: plan.key, prospect, step, replyStoredAt: arrived.internalDate.toISOString(), stepDate: message.date.toISOString() });
			}
		}
	}
	return { count: cases.length, cases };
}

/** Replies the sender's INBOX holds that the trigger never emitted, and emits beyond the first of a reply. */
export function triggerFigures(
	replies: readonly SentReply[],
	senderInboxes: readonly Stored[],
	emittedMessageIds: readonly string[],
): { delivered: number; lost: string[]; duplicateEmits: number } {
	const ours = new Set(replies.map((r) => r.messageId));
	const delivered = new Set(senderInboxes.filter((m) => ours.has(m.messageId)).map((m) => m.messageId));
	const emitted = new Map<string, number>();
	for (const id of emittedMessageIds) emitted.set(id, (emitted.get(id) ?? 0) + 1);
	const lost = [...delivered].filter((id) => !emitted.has(id));
	let duplicateEmits = 0;
	for (const [id, n] of emitted) if (ours.has(id) && n > 1) duplicateEmits += n - 1;
	return { delivered: delivered.size, lost, duplicateEmits };
}
