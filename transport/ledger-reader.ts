/**
 * Reads a sequence's history back from the mailbox — the ledger (docs/design.md). For one run it needs a
 * handful of IMAP commands, whatever the number of prospects:
 *
 * - Sent: one SEARCH for our Message-IDs of this sequence + one FETCH of their envelopes and keywords;
 *   one SEARCH for today's sends of all sequences (the daily limit).
 * - INBOX (and Junk): one SEARCH for messages since the first send, one FETCH of their envelopes and
 *   threading headers, one SEARCH for messages whose text quotes our ids (bounces carry the original's
 *   headers in a message/rfc822 or text/rfc822-headers part — Dovecot's BODY search does not look there,
 *   TEXT does); only the messages that refer to the sequence or come from a prospect are fetched in full
 *   and classified.
 *
 * Before each send the inbound folders are checked again for UIDs above the last one seen: one STATUS
 * (UIDNEXT) each, and only when it moved, EXAMINE + SEARCH + FETCH of the new messages — so a reply that
 * arrived during the pacing wait stops the send, and a send with no new mail costs one round trip per
 * folder. No inbound folder stays selected on the inbox connection, because RFC 3501 §6.3.10 forbids
 * STATUS as a check for new mail in the selected mailbox.
 */
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { parseMessage } from '../core/classify/parse';
import { classify } from '../core/classify/classify';
import { findSequenceRefs } from '../core/classify/refs';
import { ledgerAddress, parseSequenceMessageId, sequenceRefsIn } from '../core/mail/message-id';
import type { SentFact } from '../core/sequence/ledger';
import type { CopyMark, InboundMessage, SentCopy } from '../core/sequence/mailbox-facts';
import { CLAIM_KEYWORD, SENT_KEYWORD } from './sent-claim';

const SENT_FETCH = { uid: true, envelope: true, flags: true, internalDate: true } as const;
const INBOUND_FETCH = { uid: true, envelope: true, internalDate: true, headers: ['references', 'in-reply-to'] };

function dateOf(message: FetchMessageObject): Date {
	const header = message.envelope?.date ? new Date(message.envelope.date) : undefined;
	if (header && !Number.isNaN(header.getTime())) return header;
	const internal = message.internalDate ? new Date(message.internalDate) : undefined;
	return internal && !Number.isNaN(internal.getTime()) ? internal : new Date(0);
}

/** Our keywords on a Sent copy: what the copy is (see `sent-claim.ts`). */
function markOf(flags: ReadonlySet<string> | undefined): CopyMark {
	if (!flags?.has(CLAIM_KEYWORD)) return 'other';
	return flags.has(SENT_KEYWORD) ? 'confirmed' : 'claim';
}

function uidList(found: number[] | false | undefined): number[] {
	return Array.isArray(found) ? found : [];
}

/** Reads Sent through `sentClient` (the caller keeps Sent selected on it) and inbound folders through `inboxClient`. */
export class LedgerReader {
	/** Highest UID examined per inbound folder, for the re-check before each send. */
	private readonly lastUid = new Map<string, number>();

	constructor(
		private readonly sentClient: ImapFlow,
		private readonly inboxClient: ImapFlow,
		private readonly inboundFolders: string[],
	) {}

	/** Every copy of this sequence's messages in Sent. */
	async sentCopies(sequenceHash: string): Promise<SentCopy[]> {
		const uids = uidList(await this.sentClient.search({ header: { 'message-id': `sq.${sequenceHash}.` } }, { uid: true }));
		if (uids.length === 0) return [];
		const copies: SentCopy[] = [];
		for (const message of await this.sentClient.fetchAll(uids.join(','), SENT_FETCH, { uid: true })) {
			const messageId = message.envelope?.messageId ?? '';
			const ref = parseSequenceMessageId(messageId);
			if (!ref || ref.sequenceHash !== sequenceHash) continue; // a substring match on someone else's id
			copies.push({
				uid: message.uid,
				messageId,
				ref,
				date: dateOf(message),
				to: (message.envelope?.to ?? []).map((a) => ledgerAddress(a.address ?? '')).filter(Boolean),
				subject: message.envelope?.subject ?? '',
				mark: markOf(message.flags),
			});
		}
		return copies;
	}

	/**
	 * Our messages (any sequence) in Sent dated at or after `since`, as ledger facts: what the daily limit
	 * counts (core `countSentSince`).
	 */
	async sentSince(since: Date): Promise<SentFact[]> {
		// SINCE compares dates only (RFC 3501 §6.4.4), in the server's zone: ask from the day before, then filter
		const dayBefore = new Date(since.getTime() - 24 * 60 * 60 * 1000);
		const uids = uidList(await this.sentClient.search({ since: dayBefore, header: { 'message-id': '<sq.' } }, { uid: true }));
		if (uids.length === 0) return [];
		const facts: SentFact[] = [];
		for (const message of await this.sentClient.fetchAll(uids.join(','), SENT_FETCH, { uid: true })) {
			const date = dateOf(message);
			if (date >= since) facts.push({ messageId: message.envelope?.messageId ?? '', date, to: [] });
		}
		return facts;
	}

	/**
	 * Inbound messages since `since` that refer to the sequence or come from one of `prospects`
	 * (replies that break the thread), classified.
	 */
	async inbound(sequenceHash: string, prospects: ReadonlySet<string>, since: Date): Promise<InboundMessage[]> {
		const found: InboundMessage[] = [];
		for (const folder of this.inboundFolders) {
			const box = await this.inboxClient.mailboxOpen(folder, { readOnly: true });
			try {
				this.lastUid.set(folder, Math.max(0, box.uidNext - 1));
				const dayBefore = new Date(since.getTime() - 24 * 60 * 60 * 1000);
				const recent = uidList(await this.inboxClient.search({ since: dayBefore }, { uid: true }));
				if (recent.length === 0) continue;
				const quoting = new Set(uidList(await this.inboxClient.search({ since: dayBefore, text: `sq.${sequenceHash}.` }, { uid: true })));
				found.push(...(await this.examine(folder, recent, sequenceHash, prospects, quoting)));
			} finally {
				await this.inboxClient.mailboxClose();
			}
		}
		return found;
	}

	/**
	 * Starts the re-check from where the inbound folders end now, without reading them (a sequence with
	 * nothing in Sent has no replies yet; later mail can still stop a later send of the same run).
	 */
	async watchFromNow(): Promise<void> {
		for (const folder of this.inboundFolders) {
			if (this.lastUid.has(folder)) continue;
			this.lastUid.set(folder, Math.max(0, (await this.uidNextOf(folder)) - 1));
		}
	}

	/** Inbound messages that arrived since the last look, same filter. */
	async arrivedSince(sequenceHash: string, prospects: ReadonlySet<string>): Promise<InboundMessage[]> {
		const found: InboundMessage[] = [];
		for (const folder of this.inboundFolders) {
			const last = this.lastUid.get(folder);
			if (last === undefined) continue;
			if ((await this.uidNextOf(folder)) - 1 <= last) continue;
			const box = await this.inboxClient.mailboxOpen(folder, { readOnly: true });
			try {
				const uids = uidList(await this.inboxClient.search({ uid: `${last + 1}:*` }, { uid: true })).filter((uid) => uid > last);
				if (uids.length > 0) {
					const quoting = new Set(uidList(await this.inboxClient.search({ uid: `${last + 1}:*`, text: `sq.${sequenceHash}.` }, { uid: true })));
					found.push(...(await this.examine(folder, uids, sequenceHash, prospects, quoting)));
				}
				// only past what was examined: a re-check that failed reads the same mail again next time
				this.lastUid.set(folder, Math.max(last, box.uidNext - 1, ...uids));
			} finally {
				await this.inboxClient.mailboxClose();
			}
		}
		return found;
	}

	/** The folder's UIDNEXT by STATUS (no folder is selected on the inbox connection); EXAMINE if STATUS does not give it. */
	private async uidNextOf(folder: string): Promise<number> {
		const status = await this.inboxClient.status(folder, { uidNext: true });
		if (status && typeof status.uidNext === 'number') return status.uidNext;
		const box = await this.inboxClient.mailboxOpen(folder, { readOnly: true });
		await this.inboxClient.mailboxClose();
		return box.uidNext;
	}

	/** Filters by envelope, then fetches and classifies the candidates. The folder must be selected. */
	private async examine(
		folder: string,
		uids: number[],
		sequenceHash: string,
		prospects: ReadonlySet<string>,
		quoting: ReadonlySet<number>,
	): Promise<InboundMessage[]> {
		const candidates: number[] = [];
		for (const message of await this.inboxClient.fetchAll(uids.join(','), INBOUND_FETCH, { uid: true })) {
			const headers = message.headers?.toString('utf8') ?? '';
			const threaded = [...sequenceRefsIn(message.envelope?.inReplyTo), ...sequenceRefsIn(headers)].some((r) => r.sequenceHash === sequenceHash);
			const from = ledgerAddress(message.envelope?.from?.[0]?.address ?? '');
			if (threaded || quoting.has(message.uid) || prospects.has(from)) candidates.push(message.uid);
		}
		if (candidates.length === 0) return [];
		const found: InboundMessage[] = [];
		for (const message of await this.inboxClient.fetchAll(candidates.join(','), { uid: true, source: true, internalDate: true }, { uid: true })) {
			if (!message.source) continue;
			const facts = await parseMessage(message.source);
			const refs = findSequenceRefs(facts).refs.filter((r) => r.sequenceHash === sequenceHash);
			const from = facts.from?.address ? ledgerAddress(facts.from.address) : undefined;
			if (refs.length === 0 && !(from && prospects.has(from))) continue;
			found.push({
				folder,
				uid: message.uid,
				messageId: facts.messageId,
				from,
				date: facts.date ?? dateOf(message),
				classification: classify(facts),
				refs,
			});
		}
		return found;
	}
}
