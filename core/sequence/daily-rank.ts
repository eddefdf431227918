/**
 * The daily limit's rank of a won claim without asking the server, when an earlier rank of the same run
 * bounds it (docs/design.md, "The daily limit under concurrency"). Pure: no I/O, no clock.
 *
 * The rank of a claim with UID u is the number of distinct emails of ours dated from the day's start
 * with a UID ≤ u in Sent. Between two claims a < b of one run, every message Sent gains with a UID in
 * (a, b] was added after a (UIDs ascend in the order messages are added, RFC 3501 §2.3.1.1), and there
 * are at most b − a of them (distinct integers); messages with a UID ≤ a can only have been removed
 * since a was ranked. So rank(b) ≤ rank(a) + (b − a), whoever appended what in between.
 */

/** A rank the run established (exactly, by searching Sent, or as a bound) for one of its claims. */
export interface RankPoint {
	uid: number;
	/** Start of the day the rank counts from, in ms since the epoch. */
	dayStart: number;
	rank: number;
}

/**
 * An upper bound on the rank of the claim `uid` counted from `dayStart`, from an earlier point of the
 * same Sent session; undefined when there is none to go by (first claim, another day, a UID not above).
 */
export function rankBound(last: RankPoint | undefined, uid: number, dayStart: number): number | undefined {
	if (!last || last.dayStart !== dayStart || uid <= last.uid) return undefined;
	return last.rank + (uid - last.uid);
}
