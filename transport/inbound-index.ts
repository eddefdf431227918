/**
 * One inbound folder (INBOX, Junk) as the ledger needs it, read incrementally and headers first:
 *
 * - every message from the first send on is examined once, through a few header fields
 *   (`core/sequence/inbound-candidate.ts`): its sender's hash is kept (8 bytes a message), messages
 *   threaded to our ids keep their refs, machine-made ones are marked;
 * - full sources are fetched only for the candidates of a run (capped at `MAX_SOURCE_BYTES` each),
 *   classified once, and kept;
 * - each run re-checks that its candidates still exist (a deleted reply no longer counts, as before):
 *   where the session has QRESYNC, by one `UID FETCH … (CHANGEDSINCE m VANISHED)` at refresh that
 *   names what was expunged since the last refresh (`imap-uids.ts` `changesSince`), else by a UID
 *   SEARCH within the candidates.
 *
 * Later runs examine only UIDs above the last one examined. A changed UIDVALIDITY, or a run that needs
 * mail from before the index's first date, starts it again.
 */
import type { ImapFlow } from 'imapflow';
import type { Classification } from '../core/classify/types';
import { addressHash, CANDIDATE_HEADER_FIELDS, digestHeaders, type HeaderDigest } from '../core/sequence/inbound-candidate';
import { maxOf } from '../core/mail/uid-set';
import type { SequenceMessageRef } from '../core/mail/message-id';
import { companyKey } from '../core/sequence/company';
import { classifiedConcernsRun, threadConcernsRun, type RunRelevance } from '../core/sequence/run-relevance';
import type { CachedIndex } from './index-cache';
import { changesSince, fetchEach, modseqOf, searchUids, searchWithin } from './imap-uids';

/**
 * Bytes of a candidate's source that are read (`BODY.PEEK[]<0.n>`): headers, the text and a DSN's
 * returned headers sit at the start; a 20 MB attachment behind them is not needed to classify.
 */
export const MAX_SOURCE_BYTES = 256 * 1024;
/** Longest header block digested (a References field can list a whole thread). */
const MAX_HEADER_BYTES = 64 * 1024;
/** Candidates' sources per FETCH: at most this many × MAX_SOURCE_BYTES in memory at once. */
const SOURCE_CHUNK = 20;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A candidate read in full and classified; what `classifySource` returns. */
export interface ClassifiedSource {
	messageId?: string;
	from?: string;
	date?: Date;
	/** The classifier's verdict (kept as is). */
	classification: Classification;
	/** Our ids it refers to, any sequence (headers, then a report's returned original). */
	refs: SequenceMessageRef[];
}

/** A classified message of the index, with where it is. */
export interface IndexedInbound extends ClassifiedSource {
	uid: number;
	internalDate?: Date;
}

/** Cost counters (for tests and the benchmark). */
export interface InboundIndexStats {
	/** Messages whose header fields were fetched. */
	examined: number;
	/** Candidates fetched in full. */
	sourcesFetched: number;
	/** Bytes of those sources. */
	sourceBytes: number;
	/** Candidates whose existence was re-checked by SEARCH (servers without QRESYNC). */
	validated: number;
	/** Messages the QRESYNC re-sync reported as changed or expunged. */
	changed?: number;
}

/** Growable parallel arrays of examined messages: UID and sender hash. */
class Examined {
	uids = new Uint32Array(1024);
	hashes = new Uint32Array(1024);
	length = 0;

	push(uid: number, hash: number): void {
		if (this.length === this.uids.length) {
			const grow = (a: Uint32Array) => {
				const b = new Uint32Array(a.length * 2);
				b.set(a);
				return b;
			};
			this.uids = grow(this.uids);
			this.hashes = grow(this.hashes);
		}
		this.uids[this.length] = uid;
		this.hashes[this.length] = hash;
		this.length++;
	}

	/** UIDs whose sender hash is one of `hashes`, optionally only above `after`. */
	matching(hashes: ReadonlySet<number>, after = 0): number[] {
		const found: number[] = [];
		for (let i = 0; i < this.length; i++) if (this.uids[i] > after && hashes.has(this.hashes[i])) found.push(this.uids[i]);
		return found;
	}
}

/** How a run reads a candidate's source into a classified message (the classifier's entry point). */
export type ClassifySource = (source: Buffer) => Promise<ClassifiedSource>;

/** One inbound folder's index; the caller opens the folder (EXAMINE) before `refresh` and the reads. */
export class InboundIndex implements CachedIndex {
	private uidValidity?: string;
	/** Every message with a UID in (…, scannedUpTo] that arrived on or after `since` was examined. */
	private scannedUpTo = 0;
	private since = Number.POSITIVE_INFINITY;
	private examined = new Examined();
	/** Threaded messages: sender, refs from the headers, and the sender's company key (`companyKey`). */
	private readonly threaded = new Map<number, { from: string; refs: SequenceMessageRef[]; company: string | null }>();
	/** Machine-made messages that are not threaded: their body may carry our ids. */
	private readonly reports = new Set<number>();
	private readonly classified = new Map<number, IndexedInbound>();
	/** Examined messages since expunged (QRESYNC told): no longer candidates. */
	private readonly gone = new Set<number>();
	/** HIGHESTMODSEQ at the last refresh with QRESYNC: every expunge up to it is in `gone`. */
	private syncedModseq: bigint | undefined;
	/** The last refresh knew every expunge (see `syncedModseq`): `read` needs no existence SEARCH. */
	private current = false;

	size(): number {
		return this.examined.length + 20 * this.classified.size + this.gone.size;
	}

	/** The highest UID examined. */
	get upTo(): number {
		return this.scannedUpTo;
	}

	/**
	 * Examines what arrived since the last refresh (or, the first time, everything since the day before
	 * `since`: SINCE compares dates only). Returns the UIDs examined now.
	 */
	async refresh(client: ImapFlow, folder: string, since: Date, stats: InboundIndexStats): Promise<number[]> {
		const box = client.mailbox;
		if (!box) throw new Error(`${folder} is not selected`);
		const uidValidity = String(box.uidValidity);
		const from = since.getTime() - DAY_MS;
		if (uidValidity !== this.uidValidity || from < this.since) this.reset(uidValidity, from);
		const modseq = modseqOf(client);
		const cold = this.scannedUpTo === 0;
		this.current = false;
		let synced = false;
		if (!cold && modseq !== undefined && this.syncedModseq !== undefined) {
			const changes = await changesSince(client, folder, `1:${this.scannedUpTo}`, this.syncedModseq);
			if (changes) {
				for (const uid of changes.vanished) this.forget(uid);
				stats.changed = (stats.changed ?? 0) + changes.vanished.length;
				synced = true;
			}
		}
		// everything examined from now on exists as of `modseq` (it is read after the folder was opened)
		this.syncedModseq = cold || synced ? modseq : undefined;
		this.current = this.syncedModseq !== undefined;
		const top = Math.max(0, box.uidNext - 1);
		let uids: number[];
		if (this.scannedUpTo === 0) {
			uids = top === 0 ? [] : await searchUids(client, { since: new Date(from) }, folder, 'searching for mail since the first send', box.exists + 1);
		} else if (top > this.scannedUpTo) {
			const after = this.scannedUpTo;
			uids = (await searchUids(client, { uid: `${after + 1}:*` }, folder, 'searching for new mail', box.exists + 1)).filter((u) => u > after);
		} else {
			return [];
		}
		await this.examine(client, folder, uids, stats);
		this.scannedUpTo = Math.max(top, maxOf(uids, 0));
		return uids;
	}

	private reset(uidValidity: string, since: number): void {
		this.uidValidity = uidValidity;
		this.since = since;
		this.scannedUpTo = 0;
		this.examined = new Examined();
		this.threaded.clear();
		this.reports.clear();
		this.classified.clear();
		this.gone.clear();
		this.syncedModseq = undefined;
	}

	/** Header pass over `uids`; the index takes the results only once all are read. */
	private async examine(client: ImapFlow, folder: string, uids: number[], stats: InboundIndexStats): Promise<void> {
		const digests: [number, HeaderDigest][] = [];
		await fetchEach(client, uids, { headers: [...CANDIDATE_HEADER_FIELDS] }, folder, 'reading headers', (message) => {
			const block = message.headers ? message.headers.subarray(0, MAX_HEADER_BYTES).toString('latin1') : '';
			digests.push([message.uid, digestHeaders(block)]);
		});
		stats.examined += digests.length;
		for (const [uid, digest] of digests) {
			this.examined.push(uid, addressHash(digest.from));
			if (digest.refs.length > 0) this.threaded.set(uid, { from: digest.from, refs: digest.refs, company: companyKey(digest.from) });
			else if (digest.reportLike) this.reports.add(uid);
		}
	}

	/**
	 * The run's candidates among the examined messages (only UIDs above `after` if given): threaded to
	 * the run, from one of its prospects, or machine-made.
	 */
	candidates(run: RunRelevance, after = 0): number[] {
		const uids = new Set<number>(this.examined.matching(run.addressHashes, after).filter((uid) => !this.gone.has(uid)));
		for (const [uid, thread] of this.threaded) if (uid > after && threadConcernsRun(thread.refs, thread.from, run, thread.company)) uids.add(uid);
		for (const uid of this.reports) {
			if (uid <= after) continue;
			const read = this.classified.get(uid);
			// a report read before concerns the run only if what its body said does
			if (!read || classifiedConcernsRun(read, run)) uids.add(uid);
		}
		return [...uids].sort((a, b) => a - b);
	}

	/**
	 * Checks that `uids` still exist (dropping the ones that do not), reads the sources of those not yet
	 * classified, and returns all of them classified.
	 */
	async read(client: ImapFlow, folder: string, uids: number[], classifySource: ClassifySource, stats: InboundIndexStats, validate: boolean): Promise<IndexedInbound[]> {
		let alive = uids;
		if (validate && uids.length > 0 && !this.current) {
			alive = await searchWithin(client, uids, {}, folder, 'checking messages');
			stats.validated += uids.length;
			const present = new Set(alive);
			for (const uid of uids) if (!present.has(uid)) this.forget(uid);
		}
		const missing = alive.filter((uid) => !this.classified.has(uid));
		await fetchEach(
			client,
			missing,
			{ source: { start: 0, maxLength: MAX_SOURCE_BYTES }, internalDate: true },
			folder,
			'reading messages',
			async (message) => {
				if (!message.source) return;
				stats.sourcesFetched++;
				stats.sourceBytes += message.source.length;
				const internalDate = message.internalDate ? new Date(message.internalDate) : undefined;
				const read = await classifySource(message.source);
				this.classified.set(message.uid, { ...read, uid: message.uid, internalDate: internalDate && !Number.isNaN(internalDate.getTime()) ? internalDate : undefined });
			},
			SOURCE_CHUNK,
		);
		const result: IndexedInbound[] = [];
		for (const uid of alive) {
			const found = this.classified.get(uid);
			if (found) result.push(found);
		}
		return result;
	}

	/**
	 * Reads `uids` (a few new messages) for a run without a cached index: header pass, the run's
	 * candidates, their sources.
	 */
	static async readOnce(client: ImapFlow, folder: string, uids: number[], run: RunRelevance, classifySource: ClassifySource, stats: InboundIndexStats): Promise<IndexedInbound[]> {
		const index = new InboundIndex();
		await index.examine(client, folder, uids, stats);
		return index.read(client, folder, index.candidates(run), classifySource, stats, false);
	}

	private forget(uid: number): void {
		if (uid <= this.scannedUpTo) this.gone.add(uid);
		this.threaded.delete(uid);
		this.reports.delete(uid);
		this.classified.delete(uid);
	}
}
