/**
 * The daily limit, race-free across runs, processes and workflows on one mailbox — the same rule as the
 * claim: once a step is claimed in Sent, count today's copies of our messages (any sequence) whose UID is
 * at or below the claim's. UIDs ascend in the order messages are added (RFC 3501 §2.3.1.1), so that count
 * is this send's rank among everything claimed today, whoever claimed it; a claim ranked above the limit
 * is released. Claims released later (a lost race, a reply) can only make a rank too high — one send too
 * few, never one too many. What could make it too low is reading something else as the count: a refused
 * SEARCH, or a FETCH response that is not an answer (`answersFetch` in `imap-uids.ts`).
 */
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { countSentSince, type SentFact } from '../core/sequence/ledger';
import { fetchEach, searchUids } from './imap-uids';

/** When a copy was sent: its Date header, else its internal date (as the ledger reads it). */
function dateOf(message: FetchMessageObject): Date {
	const header = message.envelope?.date ? new Date(message.envelope.date) : undefined;
	if (header && !Number.isNaN(header.getTime())) return header;
	const internal = message.internalDate ? new Date(message.internalDate) : undefined;
	return internal && !Number.isNaN(internal.getTime()) ? internal : new Date(0);
}

/** Counts today's claims up to a UID on the session that has Sent selected; remembers what it fetched. */
export class DailyCount {
	/** Our copies fetched so far, by UID (a copy never changes its Message-ID or Date). */
	private readonly known = new Map<number, SentFact>();

	constructor(
		private readonly sent: ImapFlow,
		/** The Sent folder's path (for errors). */
		private readonly folder: string,
	) {}

	/** How many distinct emails of ours (any sequence) in Sent are dated from `dayStart` and have a UID ≤ `uid`. */
	async rankOf(uid: number, dayStart: Date): Promise<number> {
		// EXPUNGE responses of other sessions' released claims arrive with the NOOP (RFC 3501 §7.4.1)
		await this.sent.noop();
		// SINCE compares dates only, in the server's zone: ask from the day before, then filter by Date.
		// A refused SEARCH throws (imapflow resolves it as false, which read as a rank of 0); at most `uid`
		// UIDs can match `1:uid`
		const dayBefore = new Date(dayStart.getTime() - 24 * 60 * 60 * 1000);
		const uids = await searchUids(this.sent, { uid: `1:${uid}`, since: dayBefore, header: { 'message-id': '<sq.' }, deleted: false }, this.folder, "counting today's sends", uid);
		const unknown = uids.filter((u) => !this.known.has(u));
		// only answers are taken: another session's flag change reported during the FETCH (QRESYNC gives it
		// the UID) used to overwrite a copy's fact with an empty one
		await fetchEach(this.sent, unknown, { envelope: true, internalDate: true }, this.folder, "reading today's sends", (message) => {
			this.known.set(message.uid, { messageId: message.envelope?.messageId ?? '', date: dateOf(message), to: [] });
		});
		const facts: SentFact[] = [];
		let unread = 0;
		for (const u of uids) {
			const fact = this.known.get(u);
			if (fact) facts.push(fact);
			else unread++;
		}
		// a copy the SEARCH found but the FETCH did not answer for (expunged meanwhile, or a server that left
		// something out) counts as one of today's sends: a rank too high sends one too few, never one too many
		return countSentSince(facts, dayStart) + unread;
	}
}
