/**
 * What the transport reads from the mailbox for a run — our copies in Sent, classified inbound mail —
 * and the pure conversions into ledger facts and into a prospect's history.
 */
import { DateTime } from 'luxon';
import type { Classification } from '../classify/types';
import { ledgerAddress, prospectHash, sequenceHash, variantName, type SequenceMessageRef } from '../mail/message-id';
import type { InboundFact, ProspectState, SentFact } from './ledger';
import type { HistoryEntry } from './run-result';
import { isoString } from './run-result';

/**
 * What a copy in Sent is: a claim this package APPENDed whose SMTP outcome is not recorded yet, a claim
 * the SMTP server accepted, or a copy someone else filed (the provider's own Sent copy, a mail client).
 */
export type CopyMark = 'claim' | 'confirmed' | 'other';

/** One of our messages found in the Sent folder. */
export interface SentCopy {
	uid: number;
	messageId: string;
	ref: SequenceMessageRef;
	/** The Date header (when it was sent); the internal date if the header is unreadable. */
	date: Date;
	to: string[];
	subject: string;
	mark: CopyMark;
}

/** One inbound message that belongs to the sequence, classified. */
export interface InboundMessage {
	folder: string;
	uid: number;
	messageId?: string;
	/** Sender address, lower-cased. */
	from?: string;
	date: Date;
	classification: Classification;
	/** Our Message-IDs it refers to, most specific first (reply headers, then a bounce's returned original). */
	refs: SequenceMessageRef[];
}

/** Sent copies as ledger facts. */
export function toSentFacts(copies: readonly SentCopy[]): SentFact[] {
	return copies.map((c) => ({ messageId: c.messageId, date: c.date, to: c.to }));
}

/**
 * Inbound messages as ledger facts. Replies that broke the thread (no refs, but from a prospect after
 * their first step) and bounces naming a prospect as failed recipient are attributed by address.
 */
export function toInboundFacts(
	messages: readonly InboundMessage[],
	sequenceKey: string,
	firstSentAt: ReadonlyMap<string, Date>,
): InboundFact[] {
	const facts: InboundFact[] = [];
	const seqHash = sequenceHash(sequenceKey);
	for (const m of messages) {
		const c = m.classification;
		const refs: SequenceMessageRef[] = [...m.refs];
		const bounceRecipients = c.class === 'bounce' ? c.recipients.map((r) => ledgerAddress(r.address)) : undefined;
		const byAddress = [...(bounceRecipients ?? []), ...(c.class !== 'bounce' && m.from ? [m.from] : [])];
		if (refs.length === 0) {
			for (const address of byAddress) {
				const first = firstSentAt.get(address);
				if (first && m.date >= first) refs.push({ sequenceHash: seqHash, step: 1, prospectHash: prospectHash(sequenceKey, address) });
			}
		}
		if (refs.length === 0) continue;
		facts.push({
			// a delay warning (bounce, final: false) must not stop the prospect as bounced
			kind: c.class === 'bounce' && !c.final ? 'bounceDelayed' : c.class,
			from: m.from ?? '',
			date: m.date,
			messageId: m.messageId ?? `<${m.folder}.${m.uid}@inbound>`,
			refs,
			bounceRecipients,
			...(c.class === 'bounce' ? { bounceHard: c.hard } : {}),
			returnDate: c.class === 'autoReply' && c.returnDate ? DateTime.fromISO(c.returnDate, { zone: 'UTC' }) : undefined,
		});
	}
	return facts;
}

/** When each address was first sent to, from the copies in Sent (for attributing mail by address). */
export function firstSentAtByAddress(copies: readonly SentCopy[]): Map<string, Date> {
	const firstSentAt = new Map<string, Date>();
	for (const copy of copies) {
		for (const to of copy.to) {
			const known = firstSentAt.get(to);
			if (!known || copy.date < known) firstSentAt.set(to, copy.date);
		}
	}
	return firstSentAt;
}

/**
 * The prospect's steps found in Sent. A step is `bounced` when the bounce that stopped the prospect
 * answers it — a delivery-status report from a server, or the one a run files when the SMTP server
 * refused the recipient at RCPT, whose claim stays in Sent without `$SeqSent`: its outcome is known, so it
 * is not `unconfirmed`. Otherwise a step is `unconfirmed` when every copy of it is a claim without a
 * recorded SMTP outcome (no `$SeqSent`, and no copy filed by the provider or a mail client): nobody
 * recorded that the server accepted it. Read so at once, whatever the claim's age: the run that claimed
 * it died (a killed worker, n8n's next scheduled run a minute later) or lost the server's answer — or,
 * read while another run of the mailbox has that step in flight, its answer is not in yet (docs/design.md
 * "Never twice"). Either way the step counts as sent and is never sent again; the flag changes nothing
 * that is sent, it tells the user what the mailbox knows.
 */
export function stepHistory(state: ProspectState, copiesById: ReadonlyMap<string, readonly SentCopy[]>): HistoryEntry[] {
	return state.steps.map((s) => {
		const variant = variantName(s.variant);
		const entry: HistoryEntry = { step: s.step, messageId: s.messageId, sentAt: isoString(s.sentAt) as string, ...(variant ? { variant } : {}) };
		if (state.bounced?.step === s.step) return { ...entry, bounced: true };
		const copies = copiesById.get(s.messageId) ?? [];
		const unconfirmed = copies.length > 0 && copies.every((c) => c.mark === 'claim');
		return unconfirmed ? { ...entry, unconfirmed } : entry;
	});
}
