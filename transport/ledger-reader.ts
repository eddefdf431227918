/**
 * Reads a sequence's history back from the mailbox — the ledger (docs/design.md, "Reading the ledger").
 * The cost of a run follows its prospects and what arrived since the last run, not the mailbox's age:
 *
 * - Sent and each inbound folder have an index kept between runs (`index-cache.ts`): a run examines only
 *   UIDs above the last one examined, and re-checks only the entries it uses. The first run of a process
 *   (or after a UIDVALIDITY change) examines everything since the sequence's first send — headers only.
 * - Inbound mail is read headers first (`core/sequence/inbound-candidate.ts`); full sources, capped,
 *   only for the run's candidates, each classified once.
 * - Every UID set goes out as compact ranges in bounded pieces, every FETCH streams (`imap-uids.ts`).
 *
 * Before each send the inbound folders are checked again for UIDs above the last one seen: one STATUS
 * (UIDNEXT) each, and only when it moved, EXAMINE + SEARCH + header FETCH of the new messages — so a
 * reply that arrived during the pacing wait stops the send, and a send with no new mail costs one round
 * trip per folder. No inbound folder stays selected on the inbox connection, because RFC 3501 §6.3.10
 * forbids STATUS as a check for new mail in the selected mailbox.
 */
import type { ImapFlow, MailboxObject } from 'imapflow';
import { unreadReading, type InboundReading } from '../core/classify/inbound';
import { ledgerAddress } from '../core/mail/message-id';
import type { InboundMessage, SentCopy } from '../core/sequence/mailbox-facts';
import { copyConcernsRun, type RunRelevance } from '../core/sequence/run-relevance';
import { deselect } from './imap-client';
import { commandError, imapWorkError, searchUids } from './imap-uids';
import { ledgerIndexes, type IndexCache } from './index-cache';
import { InboundIndex, type ClassifiedSource, type IndexedInbound, type InboundIndexStats } from './inbound-index';
import { sharedInboundReader } from './inbound-reader';
import { SentIndex, type SentIndexStats } from './sent-index';

/**
 * Reads an inbound message through the same budgeted entry point as the trigger. One message must not
 * fail the run for every prospect: should reading fail anyway, the message counts as a reply from
 * whoever its raw header names (a prospect's unreadable answer stops that prospect).
 */
async function readSafely(source: Buffer): Promise<InboundReading> {
	try {
		return await sharedInboundReader().read(source);
	} catch {
		return unreadReading(source, 'unreadable');
	}
}

/**
 * Reads one candidate in full: parse, classify, our refs, on the classification worker within its time
 * budget (`inbound-reader.ts`, the trigger's entry point too). Never rejects: a message not classified in
 * time, or unreadable, is a `reply` read from its raw header (`classReason` `fallback:…`).
 */
export async function classifySource(source: Buffer): Promise<ClassifiedSource> {
	const { facts, classification, refs } = await readSafely(source);
	return {
		messageId: facts.messageId,
		from: facts.from?.address ? ledgerAddress(facts.from.address) : undefined,
		date: facts.date,
		classification,
		refs: refs.refs,
	};
}

/** What a run read from Sent. */
export interface SentRead {
	/** The run's prospects' copies of this sequence. */
	copies: SentCopy[];
	/** Our messages of any sequence in Sent from the day before `dayStart` on (the daily limit counts them). */
	recent: SentCopy[];
	/** The date of the sequence's first copy, if it has any. */
	firstSentAt?: Date;
}

/** What reading cost, for tests and the benchmark. */
export interface LedgerReadStats {
	sent: SentIndexStats;
	inbound: InboundIndexStats;
}

/** Where the mailbox's indexes are kept: server, port and user, lower-cased. */
export function accountKey(host: string, port: number, user: string): string {
	return `${host}:${port}:${user}`.toLowerCase();
}

/** Reads Sent through `sentClient` (the caller keeps Sent selected on it) and inbound folders through `inboxClient`. */
export class LedgerReader {
	readonly stats: LedgerReadStats = {
		sent: { searched: 0, fetched: 0, validated: 0 },
		inbound: { examined: 0, sourcesFetched: 0, sourceBytes: 0, validated: 0 },
	};
	/** Highest UID examined per inbound folder, for the re-check before each send. */
	private readonly lastUid = new Map<string, number>();

	constructor(
		/** The run's sessions: `sent` has Sent selected; `inbox` has no folder kept selected (it may be `sent`). */
		private readonly sessions: { readonly sent: ImapFlow; readonly inbox: ImapFlow },
		private readonly sentPath: string,
		private readonly inboundFolders: string[],
		/** `accountKey` of the mailbox. */
		private readonly account: string,
		private readonly cache: IndexCache = ledgerIndexes,
	) {}

	private get sentClient(): ImapFlow {
		return this.sessions.sent;
	}

	private get inboxClient(): ImapFlow {
		return this.sessions.inbox;
	}

	/**
	 * The run's prospects' copies of the sequence in Sent and the day's sends of every sequence, each
	 * re-checked (flags, existence) before it is returned.
	 */
	readSent(run: RunRelevance, dayStart: Date): Promise<SentRead> {
		const folder = this.sentPath;
		return this.cache.use(`${this.account}\n${folder}`, () => new SentIndex(), async (index) => {
			const stats = this.stats.sent;
			await index.refresh(this.sentClient, folder, run.sequenceHash, dayStart, stats);
			const dayBefore = dayStart.getTime() - 24 * 60 * 60 * 1000;
			const used = index.select((c) => copyConcernsRun(c.ref, run) || c.date.getTime() >= dayBefore);
			const alive = await index.validate(this.sentClient, folder, used, stats);
			return {
				copies: alive.filter((c) => copyConcernsRun(c.ref, run)),
				recent: alive.filter((c) => c.date.getTime() >= dayBefore),
				firstSentAt: index.earliestOf(run.sequenceHash),
			};
		});
	}

	/**
	 * Every copy of the sequence in Sent, whoever it was sent to, re-checked like a run's (the Report
	 * operation): the same cached index, the same SEARCHes, only a wider selection.
	 */
	readSequence(seqHash: string, dayStart: Date): Promise<{ copies: SentCopy[]; firstSentAt?: Date }> {
		const folder = this.sentPath;
		return this.cache.use(`${this.account}\n${folder}`, () => new SentIndex(), async (index) => {
			const stats = this.stats.sent;
			await index.refresh(this.sentClient, folder, seqHash, dayStart, stats);
			const copies = await index.validate(this.sentClient, folder, index.select((c) => c.ref.sequenceHash === seqHash), stats);
			return { copies, firstSentAt: index.earliestOf(seqHash) };
		});
	}

	/** Forgets copies the run deleted (pruned duplicates), so the cached index does not offer them again. */
	async forgetCopies(uids: readonly number[]): Promise<void> {
		await this.cache.use(`${this.account}\n${this.sentPath}`, () => new SentIndex(), async (index) => index.forget(uids));
	}

	/** Inbound messages since `since` that concern the run's prospects, classified. */
	async inbound(run: RunRelevance, since: Date): Promise<InboundMessage[]> {
		const found: InboundMessage[] = [];
		for (const folder of this.inboundFolders) {
			const box = await this.open(folder);
			try {
				await this.cache.use(`${this.account}\n${folder}`, () => new InboundIndex(), async (index) => {
					const stats = this.stats.inbound;
					await index.refresh(this.inboxClient, folder, since, stats);
					this.lastUid.set(folder, Math.max(0, box.uidNext - 1, index.upTo));
					const read = await index.read(this.inboxClient, folder, index.candidates(run), classifySource, stats, true);
					found.push(...messagesFor(folder, read, run));
				});
			} finally {
				await deselect(this.inboxClient);
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

	/** Inbound messages that arrived since the last look and concern the run. */
	async arrivedSince(run: RunRelevance): Promise<InboundMessage[]> {
		const found: InboundMessage[] = [];
		for (const folder of this.inboundFolders) {
			const last = this.lastUid.get(folder);
			if (last === undefined) continue;
			if ((await this.uidNextOf(folder)) - 1 <= last) continue;
			const box = await this.open(folder);
			try {
				const uids = (await searchUids(this.inboxClient, { uid: `${last + 1}:*` }, folder, 'searching for new mail', box.exists + 1)).filter((uid) => uid > last);
				if (uids.length > 0) {
					// a few messages: read without the cached index (the next run's refresh takes them in)
					const read = await InboundIndex.readOnce(this.inboxClient, folder, uids, run, classifySource, this.stats.inbound);
					found.push(...messagesFor(folder, read, run));
				}
				// only past what was examined: a re-check that failed reads the same mail again next time
				let highest = Math.max(last, box.uidNext - 1);
				for (const uid of uids) highest = Math.max(highest, uid);
				this.lastUid.set(folder, highest);
			} catch (error) {
				// on a connection that is gone leaving the folder fails too; the first failure says what happened
				await deselect(this.inboxClient).catch(() => undefined);
				throw imapWorkError(error, 'reading new mail', folder);
			}
			await this.closeFolder(folder);
		}
		return found;
	}

	private async open(folder: string): Promise<MailboxObject> {
		try {
			return await this.inboxClient.mailboxOpen(folder, { readOnly: true });
		} catch (error) {
			throw commandError(error, 'opening the folder', folder);
		}
	}

	/** The folder's UIDNEXT by STATUS (no folder is selected on the inbox connection); EXAMINE if STATUS does not give it. */
	private async uidNextOf(folder: string): Promise<number> {
		let status;
		try {
			status = await this.inboxClient.status(folder, { uidNext: true });
		} catch (error) {
			throw commandError(error, 'asking for new mail (STATUS)', folder);
		}
		if (status && typeof status.uidNext === 'number') return status.uidNext;
		const box = await this.open(folder);
		await this.closeFolder(folder);
		return box.uidNext;
	}

	/** Leaves the folder selected on the inbox connection (STATUS must not ask about the selected one). */
	private async closeFolder(folder: string): Promise<void> {
		try {
			await deselect(this.inboxClient);
		} catch (error) {
			throw commandError(error, 'closing the folder', folder);
		}
	}
}

/**
 * The ledger's view of classified candidates: refs narrowed to the sequence; kept when they refer to it
 * or come from one of the run's prospects (a reply that breaks the thread).
 */
function messagesFor(folder: string, read: readonly IndexedInbound[], run: RunRelevance): InboundMessage[] {
	const messages: InboundMessage[] = [];
	for (const m of read) {
		const refs = m.refs.filter((r) => r.sequenceHash === run.sequenceHash);
		if (refs.length === 0 && !(m.from && run.addresses.has(m.from))) continue;
		messages.push({
			folder,
			uid: m.uid,
			messageId: m.messageId,
			from: m.from,
			date: m.date ?? m.internalDate ?? new Date(0),
			classification: m.classification,
			refs,
		});
	}
	return messages;
}
