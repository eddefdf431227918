/**
 * The mailbox is the ledger: one prospect's state in a sequence is reconstructed from facts the
 * transport reads from the mailbox — our sent copies in the Sent folder (recognised by their
 * deterministic Message-IDs) and classified inbound messages whose In-Reply-To/References (or, for DSNs,
 * returned headers) carry our Message-IDs. Pure: no I/O, no clock.
 *
 * One pass over all facts of a run, indexed by (sequence hash, prospect hash), so 10,000 prospects with
 * 30,000 facts cost a few hash lookups each.
 */
import { DateTime } from 'luxon';
import {
	ledgerAddress,
	parseSequenceMessageId,
	prospectHash,
	sequenceHash,
	type SequenceMessageRef,
} from '../mail/message-id';
import { companyKey } from './company';
import { type Instant, toDateTime, toMillis } from './instant';

/** A copy of one of our messages found in the Sent folder (filled by the transport). */
export interface SentFact {
	/** Message-ID header, with or without brackets; non-sequence ids are ignored. */
	messageId: string;
	/** When it was sent: the Date header of the copy (INTERNALDATE may be later for APPENDed copies). */
	date: Instant;
	/** Envelope/To recipients, ASCII. */
	to: readonly string[];
}

/**
 * Classes of inbound messages, as the IMAP classifier reports them; `bounceDelayed` is a bounce with
 * `final: false` (a delay warning: the MTA is still trying), which changes nothing.
 */
export type InboundKind = 'reply' | 'autoReply' | 'bounce' | 'bounceDelayed' | 'unsubscribe' | 'complaint' | 'deliveryReport';

/** An inbound message that references our sequences (filled by the transport + classifier). */
export interface InboundFact {
	kind: InboundKind;
	/** Sender address (for a bounce, the MAILER-DAEMON). */
	from: string;
	date: Instant;
	messageId: string;
	/** Our ids it references (In-Reply-To/References, or the DSN's returned headers). */
	refs: readonly SequenceMessageRef[];
	/** For bounces: the failed recipients. */
	bounceRecipients?: readonly string[];
	/** For bounces: every recipient failed for good (5.x.x), not a delay or a full mailbox. */
	bounceHard?: boolean;
	/** For auto-replies: the return date the text gives, when it gives one. */
	returnDate?: Instant;
}

/** One step found in Sent. */
export interface SentStep {
	step: number;
	messageId: string;
	sentAt: DateTime;
	/** The variant (0 = A) in the copy's Message-ID; absent for a step without variants. */
	variant?: number;
}

/** An inbound event that applies to the prospect. */
export interface InboundEvent {
	at: DateTime;
	from: string;
	messageId: string;
	/** Highest step of this prospect the message references. */
	step: number;
}

/** A prospect's state in one sequence, as read from the mailbox. */
export interface ProspectState {
	sequenceHash: string;
	prospectHash: string;
	/** Ledger form of the address (trimmed, lower-case). */
	address: string;
	/** Steps found in Sent, by step number; each step once (earliest copy). */
	steps: SentStep[];
	/** Highest step sent, 0 if none. */
	lastStep: number;
	lastSentAt?: DateTime;
	/** Earliest reply in the prospect's thread (from anyone: a colleague answering in-thread counts). */
	replied?: InboundEvent;
	bounced?: InboundEvent & { recipients: readonly string[] };
	unsubscribed?: InboundEvent;
	/** Spam complaint (ARF feedback report). */
	complained?: InboundEvent;
	/** Latest auto-reply, with when sending may resume. */
	autoReply?: InboundEvent & { returnDate?: DateTime; pauseUntil: DateTime };
	/** Earliest reply from another address at the prospect's company that referenced this sequence. */
	companyReplied?: InboundEvent;
}

/** A prospect of the run: the sequence it is in and its address. */
export interface LedgerProspect {
	sequenceKey: string;
	address: string;
}

/** Options of the reconstruction. */
export interface LedgerOptions {
	/** Pause after an auto-reply that gives no return date, in days. */
	autoReplyPauseDays: number;
}

/** States of a run's prospects. */
export interface Ledger {
	/** The state of a prospect given to {@link buildLedger}; an empty state for any other prospect. */
	get(sequenceKey: string, address: string): ProspectState;
	/** Every state, keyed by {@link ledgerKey}. */
	readonly states: ReadonlyMap<string, ProspectState>;
}

/** Key of a (sequence, prospect) pair in {@link Ledger.states}. */
export function ledgerKey(sequenceKey: string, address: string): string {
	return `${sequenceHash(sequenceKey)}.${prospectHash(sequenceKey, address)}`;
}

function emptyState(sequenceKey: string, address: string): ProspectState {
	return {
		sequenceHash: sequenceHash(sequenceKey),
		prospectHash: prospectHash(sequenceKey, address),
		address: ledgerAddress(address),
		steps: [],
		lastStep: 0,
	};
}

function earlier<T extends { at: DateTime }>(current: T | undefined, candidate: T): T {
	return current === undefined || candidate.at < current.at ? candidate : current;
}

function recordSent(state: ProspectState, ref: SequenceMessageRef, fact: SentFact): void {
	const sentAt = toDateTime(fact.date);
	const existing = state.steps.find((s) => s.step === ref.step);
	if (existing) {
		if (sentAt < existing.sentAt) existing.sentAt = sentAt;
		return;
	}
	state.steps.push({ step: ref.step, messageId: normaliseId(fact.messageId), sentAt, ...(ref.variant === undefined ? {} : { variant: ref.variant }) });
}

function normaliseId(messageId: string): string {
	const trimmed = messageId.trim();
	return trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
}

function recordInbound(state: ProspectState, fact: InboundFact, step: number, options: LedgerOptions): void {
	const event: InboundEvent = { at: toDateTime(fact.date), from: ledgerAddress(fact.from), messageId: fact.messageId, step };
	switch (fact.kind) {
		case 'reply':
			state.replied = earlier(state.replied, event);
			return;
		case 'bounce':
			state.bounced = earlier(state.bounced, { ...event, recipients: (fact.bounceRecipients ?? []).map(ledgerAddress) });
			return;
		case 'unsubscribe':
			state.unsubscribed = earlier(state.unsubscribed, event);
			return;
		case 'complaint':
			state.complained = earlier(state.complained, event);
			return;
		case 'autoReply': {
			if (state.autoReply && state.autoReply.at >= event.at) return;
			const returnDate = fact.returnDate === undefined ? undefined : toDateTime(fact.returnDate);
			const pauseUntil = returnDate ?? event.at.plus({ days: options.autoReplyPauseDays });
			state.autoReply = returnDate === undefined ? { ...event, pauseUntil } : { ...event, returnDate, pauseUntil };
			return;
		}
		// A delay warning is not a failure; the final bounce, if one comes, stops the prospect.
		case 'bounceDelayed':
		case 'deliveryReport':
			return;
	}
}

function finish(state: ProspectState): void {
	state.steps.sort((a, b) => a.step - b.step);
	const last = state.steps[state.steps.length - 1];
	state.lastStep = last ? last.step : 0;
	state.lastSentAt = last ? last.sentAt : undefined;
}

/**
 * Reconstructs the state of every prospect of a run from the mailbox facts, in one pass over each list.
 *
 * - A sent copy counts for the (sequence, prospect, step) its Message-ID encodes; several copies of one
 *   step (provider-filed + APPENDed) count once, at the earliest date.
 * - An inbound message counts for every (sequence, prospect) among its refs, answering the highest step
 *   it references (a reply quoting step 2 whose References also list step 1 answers step 2, once).
 * - A reply from an address other than the prospect, at the same company domain (free mail excluded),
 *   that references any message of the same sequence marks `companyReplied` for that prospect.
 * - `deliveryReport` (successful DSN) and `bounceDelayed` (a delay warning: the MTA keeps trying) change
 *   nothing; only a final bounce stops the prospect.
 */
export function buildLedger(
	prospects: readonly LedgerProspect[],
	sent: readonly SentFact[],
	inbound: readonly InboundFact[],
	options: LedgerOptions,
): Ledger {
	const states = new Map<string, ProspectState>();
	/** sequence hash → company key → states of that company's prospects in that sequence */
	const byCompany = new Map<string, Map<string, ProspectState[]>>();
	for (const prospect of prospects) {
		const state = emptyState(prospect.sequenceKey, prospect.address);
		const key = `${state.sequenceHash}.${state.prospectHash}`;
		if (states.has(key)) continue;
		states.set(key, state);
		const company = companyKey(state.address);
		if (company === null) continue;
		let companies = byCompany.get(state.sequenceHash);
		if (!companies) byCompany.set(state.sequenceHash, (companies = new Map()));
		const members = companies.get(company);
		if (members) members.push(state);
		else companies.set(company, [state]);
	}

	for (const fact of sent) {
		const ref = parseSequenceMessageId(fact.messageId);
		if (!ref) continue;
		const state = states.get(`${ref.sequenceHash}.${ref.prospectHash}`);
		if (state) recordSent(state, ref, fact);
	}

	for (const fact of inbound) {
		const highest = new Map<string, number>();
		for (const ref of fact.refs) {
			const key = `${ref.sequenceHash}.${ref.prospectHash}`;
			highest.set(key, Math.max(highest.get(key) ?? 0, ref.step));
		}
		for (const [key, step] of highest) {
			const state = states.get(key);
			if (state) recordInbound(state, fact, step, options);
		}
		if (fact.kind !== 'reply') continue;
		const company = companyKey(fact.from);
		if (company === null) continue;
		const from = ledgerAddress(fact.from);
		const sequences = new Set(fact.refs.map((ref) => ref.sequenceHash));
		for (const seq of sequences) {
			const steps = fact.refs.filter((ref) => ref.sequenceHash === seq).map((ref) => ref.step);
			const event: InboundEvent = { at: toDateTime(fact.date), from, messageId: fact.messageId, step: Math.max(...steps) };
			for (const state of byCompany.get(seq)?.get(company) ?? []) {
				if (state.address !== from) state.companyReplied = earlier(state.companyReplied, event);
			}
		}
	}

	for (const state of states.values()) finish(state);

	return {
		states,
		get(sequenceKey: string, address: string): ProspectState {
			return states.get(ledgerKey(sequenceKey, address)) ?? emptyState(sequenceKey, address);
		},
	};
}

/**
 * Reconstructs one prospect (the re-check right before a send). Same rules as {@link buildLedger}.
 */
export function prospectState(
	prospect: LedgerProspect,
	sent: readonly SentFact[],
	inbound: readonly InboundFact[],
	options: LedgerOptions,
): ProspectState {
	return buildLedger([prospect], sent, inbound, options).get(prospect.sequenceKey, prospect.address);
}

/**
 * How many of our sequence messages (any sequence, any prospect) were sent on or after `since`: the daily
 * limit's count, read from Sent so it holds across runs and workflows. Copies of one logical email (the
 * provider's and ours, or ids minted with another Message-ID domain) count once.
 */
export function countSentSince(sent: readonly SentFact[], since: Instant): number {
	const from = toMillis(since);
	const seen = new Set<string>();
	for (const fact of sent) {
		if (toMillis(fact.date) < from) continue;
		const ref = parseSequenceMessageId(fact.messageId);
		if (!ref) continue;
		seen.add(`${ref.sequenceHash}.${ref.step}.${ref.prospectHash}`);
	}
	return seen.size;
}
