/**
 * Where the folder indexes of the ledger live between runs: in this process's memory, keyed by server,
 * user and folder. A cache, never a source of truth — every index is validated against the mailbox
 * (UIDVALIDITY, UIDNEXT, the run's own entries re-read) before it is used, so a lost, stale or evicted
 * index costs one full read, never a wrong decision. Why memory and not n8n's static data is in
 * docs/design.md ("Reading the ledger").
 *
 * Work on one index is serialised (one run at a time brings it up to date); indexes of other folders
 * and mailboxes are independent. The cache holds at most `MAX_CACHED_INDEXES`, least recently used out
 * first; an index that grew past its cap, or whose update failed half-way, is dropped after use.
 */

/** Something the cache can hold and measure. */
export interface CachedIndex {
	/** Rough entry count, for the cap. */
	size(): number;
}

/** Indexes kept at once (a few folders per mailbox, a few mailboxes per n8n instance). */
export const MAX_CACHED_INDEXES = 64;
/** Entries above which an index is not kept after its run (it is rebuilt by the next run instead). */
export const MAX_INDEX_ENTRIES = 2_000_000;

interface Slot<T> {
	index: T;
	/** The tail of the work queued on this index. */
	queue: Promise<void>;
}

/** An LRU map of indexes with one work queue per index. */
export class IndexCache {
	private readonly slots = new Map<string, Slot<CachedIndex>>();

	constructor(
		private readonly maxIndexes = MAX_CACHED_INDEXES,
		private readonly maxEntries = MAX_INDEX_ENTRIES,
	) {}

	/**
	 * Runs `work` on the index at `key` (created by `create` if absent) once the work queued before it is
	 * done. The index stays cached unless it grew past the cap.
	 */
	async use<T extends CachedIndex, R>(key: string, create: () => T, work: (index: T) => Promise<R>): Promise<R> {
		let slot = this.slots.get(key) as Slot<T> | undefined;
		if (slot) this.slots.delete(key);
		else slot = { index: create(), queue: Promise.resolve() };
		this.slots.set(key, slot as Slot<CachedIndex>);
		this.evict();
		const current = slot;
		const run = current.queue.then(() => work(current.index));
		current.queue = run.then(
			() => undefined,
			() => undefined,
		);
		let failed = false;
		try {
			return await run;
		} catch (error) {
			failed = true;
			throw error;
		} finally {
			// an index a failed run may have left half-updated is not trusted again; a huge one is not kept
			if ((failed || current.index.size() > this.maxEntries) && this.slots.get(key) === current) this.slots.delete(key);
		}
	}

	/** Forgets every index (tests; the benchmark's cold runs). */
	clear(): void {
		this.slots.clear();
	}

	private evict(): void {
		while (this.slots.size > this.maxIndexes) {
			const oldest = this.slots.keys().next().value;
			if (oldest === undefined) return;
			this.slots.delete(oldest);
		}
	}
}

/** The process-wide cache of ledger folder indexes. */
export const ledgerIndexes = new IndexCache();
