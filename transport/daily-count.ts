/**
 * The daily limit, race-free across runs, processes and workflows on one mailbox — the same rule as the
 * claim: once a step is claimed in Sent, count today's copies of our messages (any sequence) whose UID is
 * at or below the claim's. UIDs ascend in the order messages are added (RFC 3501 §2.3.1.1), so that count
 * is this send's rank among everything claimed today, whoever claimed it; a claim ranked above the limit
 * is released. Claims released later (a lost race, a reply) can only make a rank too high — one send too
 * few, never one too many. What could make it too low is reading something else as the count: a refused
 * SEARCH, or a FETCH response that is not an answer (`answersFetch` in `imap-uids.ts`).
 *
 * Far from the limit the rank costs no round trip: the previous claim's rank plus the UID distance to
 * this one bounds it (`rankBound`); only a bound above the limit is checked by searching Sent.
 */
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { rankBound, type RankPoint } from '../core/sequence/daily-rank';
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
	/** The last rank established, exactly or as a bound (`rankBound`). */
	private last?: RankPoint;
	/** How many ranks were counted by searching Sent (the others were bounded without a round trip). */
	searches = 0;

	/**
	 * `read`: copies the ledger already read from this folder (their UID, Message-ID and Date, which a UID
	 * never changes): a count that searches Sent FETCHes only the others. Which UIDs count is still the
	 * SEARCH's answer.
	 */
	constructor(
		private readonly sent: ImapFlow,
		/** The Sent folder's path (for errors). */
		private readonly folder: string,
		read: readonly { uid: number; messageId: string; date: Date }[] = [],
	) {
		for (const copy of read) this.known.set(copy.uid, { messageId: copy.messageId, date: copy.date, to: [] });
	}

	/**
	 * The rank of our claim `uid` among the distinct emails of ours (any sequence) in Sent dated from
	 * `dayStart` — or an upper bound of it that is at most `limit`, found without asking the server. Above
	 * `limit` the answer is always the exact count. `own` is the claim's own Message-ID and Date (it then
	 * needs no FETCH).
	 */
	async rankOf(uid: number, dayStart: Date, limit: number, own?: SentFact): Promise<number> {
		const bound = rankBound(this.last, uid, dayStart.getTime());
		if (bound !== undefined && bound <= limit) {
			this.last = { uid, dayStart: dayStart.getTime(), rank: bound };
			return bound;
		}
		const rank = await this.count(uid, dayStart, own);
		this.last = { uid, dayStart: dayStart.getTime(), rank };
		return rank;
	}

	/** How many distinct emails of ours (any sequence) in Sent are dated from `dayStart` and have a UID ≤ `uid`. */
	private async count(uid: number, dayStart: Date, own?: SentFact): Promise<number> {
		this.searches++;
		if (own) this.known.set(uid, own);
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
