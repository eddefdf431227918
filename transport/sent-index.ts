/**
 * Our messages in one Sent folder (Message-IDs `<sq.…>`), read incrementally. What the index holds is
 * true of the mailbox for every UID it has scanned — a message's headers never change and a UID is never
 * reused under one UIDVALIDITY (RFC 3501 §2.3.1.1) — except flags and existence, which each run re-reads
 * for the copies it uses. So a run asks the server only for:
 *
 * - messages above the last UID scanned (`UID SEARCH UID n:* HEADER Message-ID "<sq."`), any sequence;
 * - once per sequence and once per day, what earlier scans were not asked to look for (the sequence's
 *   copies, the day's sends of all sequences): one SEARCH over the folder, the cold part of the cost;
 * - what changed under the indexed UIDs since the last refresh: where the session has QRESYNC
 *   (RFC 7162; Dovecot, Gmail, Fastmail …), one `UID FETCH 1:n (FLAGS) (CHANGEDSINCE m VANISHED)` that
 *   answers only the messages whose flags changed and the UIDs expunged since HIGHESTMODSEQ `m` of the
 *   last refresh — a few lines, whatever the folder's size; without it, for the copies the run uses,
 *   which still exist and which carry our keywords (up to three UID SEARCHes within their UIDs): marks changed
 *   by other runs (`$SeqSent`), claims released (gone).
 *
 * A changed UIDVALIDITY empties the index.
 */
import type { FetchMessageObject, ImapFlow } from 'imapflow';
import { SequenceError } from '../core/errors';
import { ledgerAddress, parseSequenceMessageId } from '../core/mail/message-id';
import { maxOf } from '../core/mail/uid-set';
import type { CopyMark, SentCopy } from '../core/sequence/mailbox-facts';
import type { CachedIndex } from './index-cache';
import { changesSince, fetchEach, modseqOf, searchUids, searchWithin } from './imap-uids';
import { CLAIM_KEYWORD, SENT_KEYWORD } from './sent-claim';

const DAY_MS = 24 * 60 * 60 * 1000;

function dateOf(message: FetchMessageObject): Date {
	const header = message.envelope?.date ? new Date(message.envelope.date) : undefined;
	if (header && !Number.isNaN(header.getTime())) return header;
	const internal = message.internalDate ? new Date(message.internalDate) : undefined;
	return internal && !Number.isNaN(internal.getTime()) ? internal : new Date(0);
}

/** Our keywords on a Sent copy: what the copy is (see `sent-claim.ts`). */
export function markOf(flags: ReadonlySet<string> | undefined): CopyMark {
	if (!flags?.has(CLAIM_KEYWORD)) return 'other';
	return flags.has(SENT_KEYWORD) ? 'confirmed' : 'claim';
}

/**
 * The UIDs among `uids` that carry `keyword`. Only asked when the folder's FLAGS (RFC 3501 §7.2.6: the
 * flags defined in the mailbox, sent on SELECT/EXAMINE) list it: where they do not, no message has it, and
 * a server that keeps no custom keywords may refuse the question — Exchange Online answers `UID SEARCH
 * KEYWORD` with "BAD Command Argument Error. 11". A refusal all the same reads as "none": marks only tell
 * a claim from a confirmed send (reporting `unconfirmed`, pruning our copy), never whether a step counts.
 */
async function withKeyword(client: ImapFlow, uids: number[], keyword: string, folder: string, what: string): Promise<Set<number>> {
	if (!client.mailbox || !client.mailbox.flags.has(keyword)) return new Set();
	try {
		return new Set(await searchWithin(client, uids, { keyword }, folder, what));
	} catch (error) {
		if (error instanceof SequenceError && error.code === 'IMAP_COMMAND_FAILED') return new Set();
		throw error;
	}
}

/** Cost counters of one refresh (for tests and the benchmark). */
export interface SentIndexStats {
	/** UIDs the server returned from searches. */
	searched: number;
	/** Messages whose envelope was fetched. */
	fetched: number;
	/** Copies whose flags were re-read by SEARCHes within them (servers without QRESYNC). */
	validated: number;
	/** Messages the QRESYNC re-sync reported as changed or expunged. */
	changed?: number;
}

/** The Sent folder's index; `refresh` and `validate` need the folder selected on `client`. */
export class SentIndex implements CachedIndex {
	private uidValidity?: string;
	/** Every `<sq.` message at or below this UID of a covered sequence or day is in `copies`. */
	private scannedUpTo = 0;
	/** Sequences whose copies below `scannedUpTo` were searched for. */
	private readonly sequences = new Set<string>();
	/** The earliest day (its start, ms) from which every `<sq.` message was searched for. */
	private dailyFrom = Number.POSITIVE_INFINITY;
	private readonly copies = new Map<number, SentCopy>();
	/**
	 * HIGHESTMODSEQ at the last refresh, when the session had QRESYNC: the marks and the existence of
	 * every indexed copy are known as of then, so a run needs no re-check within its copies.
	 */
	private syncedModseq: bigint | undefined;
	/** Whether the last refresh left every copy's mark and existence current (see `syncedModseq`). */
	private current = false;

	size(): number {
		return this.copies.size;
	}

	/**
	 * Brings the index up to date with the selected folder for `seqHash` and the sends since the day before
	 * `dayStart` (SINCE compares dates only, RFC 3501 §6.4.4).
	 */
	async refresh(client: ImapFlow, folder: string, seqHash: string, dayStart: Date, stats: SentIndexStats): Promise<void> {
		const box = client.mailbox;
		if (!box) throw new Error('Sent is not selected');
		const uidValidity = String(box.uidValidity);
		if (uidValidity !== this.uidValidity) {
			this.uidValidity = uidValidity;
			this.scannedUpTo = 0;
			this.sequences.clear();
			this.dailyFrom = Number.POSITIVE_INFINITY;
			this.copies.clear();
			this.syncedModseq = undefined;
		}
		this.current = false;
		const modseq = modseqOf(client);
		const top = Math.max(0, box.uidNext - 1);
		const cold = this.sequences.size === 0 && this.dailyFrom === Number.POSITIVE_INFINITY;
		let upTo = this.scannedUpTo;
		// what changed under indexed UIDs since the last refresh, before new copies are added (their flags are read fresh)
		const synced = !cold && modseq !== undefined && this.syncedModseq !== undefined && upTo > 0 ? await this.applyChanges(client, folder, this.syncedModseq, upTo, stats) : false;
		if (cold) {
			upTo = top;
		} else if (top > upTo) {
			const found = (await searchUids(client, { uid: `${upTo + 1}:*`, header: { 'message-id': '<sq.' } }, folder, 'searching for new copies', box.exists + 1)).filter((u) => u > upTo);
			stats.searched += found.length;
			await this.add(client, folder, found, stats);
			upTo = Math.max(top, maxOf(found, 0));
		}
		if (!this.sequences.has(seqHash) && upTo > 0) {
			const found = await searchUids(client, { uid: `1:${upTo}`, header: { 'message-id': `sq.${seqHash}.` } }, folder, "searching for the sequence's copies", box.exists + 1);
			stats.searched += found.length;
			await this.add(client, folder, found.filter((u) => !this.copies.has(u)), stats);
		}
		const dayBefore = dayStart.getTime() - DAY_MS;
		if (dayBefore < this.dailyFrom && upTo > 0) {
			const found = await searchUids(client, { uid: `1:${upTo}`, since: new Date(dayBefore), header: { 'message-id': '<sq.' } }, folder, "searching for today's sends", box.exists + 1);
			stats.searched += found.length;
			await this.add(client, folder, found.filter((u) => !this.copies.has(u)), stats);
		}
		// coverage moves only once everything it promises is in `copies` (a failed refresh leaves it as it was)
		this.scannedUpTo = upTo;
		this.sequences.add(seqHash);
		this.dailyFrom = Math.min(this.dailyFrom, dayBefore);
		// a cold index read every copy's flags after the folder was opened: current as of `modseq`
		this.syncedModseq = cold || synced || this.copies.size === 0 ? modseq : undefined;
		this.current = this.syncedModseq !== undefined;
	}

	/** Applies flag changes and expunges since `since` to the indexed copies (QRESYNC); false if the server did not answer so. */
	private async applyChanges(client: ImapFlow, folder: string, since: bigint, upTo: number, stats: SentIndexStats): Promise<boolean> {
		const changes = await changesSince(client, folder, `1:${upTo}`, since);
		if (!changes) return false;
		for (const uid of changes.vanished) this.copies.delete(uid);
		for (const [uid, flags] of changes.flags) {
			const copy = this.copies.get(uid);
			if (copy) copy.mark = markOf(flags);
		}
		stats.changed = (stats.changed ?? 0) + changes.vanished.length + changes.flags.size;
		return true;
	}

	/** Fetches and adds our messages among `uids`. */
	private async add(client: ImapFlow, folder: string, uids: number[], stats: SentIndexStats): Promise<void> {
		await fetchEach(client, uids, { envelope: true, flags: true, internalDate: true }, folder, 'reading copies', (message) => {
			stats.fetched++;
			const messageId = message.envelope?.messageId ?? '';
			const ref = parseSequenceMessageId(messageId);
			if (!ref) return; // a substring match on someone else's id
			this.copies.set(message.uid, {
				uid: message.uid,
				messageId,
				ref,
				date: dateOf(message),
				to: (message.envelope?.to ?? []).map((a) => ledgerAddress(a.address ?? '')).filter(Boolean),
				subject: message.envelope?.subject ?? '',
				mark: markOf(message.flags),
			});
		});
	}

	/** The copies that satisfy `keep`, as indexed (not yet validated). */
	select(keep: (copy: SentCopy) => boolean): SentCopy[] {
		const chosen: SentCopy[] = [];
		for (const copy of this.copies.values()) if (keep(copy)) chosen.push(copy);
		return chosen;
	}

	/** The earliest date of a copy of `seqHash` (the ledger reads inbound mail from there on). */
	earliestOf(seqHash: string): Date | undefined {
		let earliest: number | undefined;
		for (const copy of this.copies.values()) {
			if (copy.ref.sequenceHash !== seqHash) continue;
			const t = copy.date.getTime();
			if (earliest === undefined || t < earliest) earliest = t;
		}
		return earliest === undefined ? undefined : new Date(earliest);
	}

	/**
	 * Re-reads what may have changed about `copies` (the ones a run is about to use): which still exist
	 * (a released claim, a pruned duplicate are gone) and their marks (`$SeqSent` added by another run).
	 * Three UID SEARCHes within their UIDs, answered as compact sets, instead of a FETCH per copy.
	 * Returns the survivors with their current marks.
	 */
	async validate(client: ImapFlow, folder: string, copies: readonly SentCopy[], stats: SentIndexStats): Promise<SentCopy[]> {
		if (copies.length === 0) return [];
		// the refresh just re-synced every copy by QRESYNC: marks and existence are the server's now
		if (this.current) return copies.filter((c) => this.copies.has(c.uid)).map((c) => ({ ...c, to: [...c.to] }));
		const uids = copies.map((c) => c.uid);
		const exists = new Set(await searchWithin(client, uids, {}, folder, 'checking copies'));
		const claimed = await withKeyword(client, uids, CLAIM_KEYWORD, folder, 'checking claims');
		const confirmed = await withKeyword(client, uids, SENT_KEYWORD, folder, 'checking confirmations');
		stats.validated += copies.length;
		const alive: SentCopy[] = [];
		for (const copy of copies) {
			if (!exists.has(copy.uid)) {
				this.copies.delete(copy.uid);
				continue;
			}
			const flags = new Set<string>();
			if (claimed.has(copy.uid)) flags.add(CLAIM_KEYWORD);
			if (confirmed.has(copy.uid)) flags.add(SENT_KEYWORD);
			copy.mark = markOf(flags);
			alive.push({ ...copy, to: [...copy.to] });
		}
		return alive;
	}

	/** Forgets copies the run deleted itself. */
	forget(uids: Iterable<number>): void {
		for (const uid of uids) this.copies.delete(uid);
	}
}
