/**
 * IMAP UID sets (RFC 3501 §9 `sequence-set`) written compactly and in bounded pieces. A comma-joined list
 * of 10,000 UIDs is some 60 KB, past Dovecot's 64 KB command line ("Too long argument"); written as
 * ranges (`1:500,502,510:900`) and cut into pieces of at most `MAX_UID_SET_LENGTH` characters, every
 * command stays far below any server's line limit whatever the number of UIDs.
 */

/**
 * Longest UID set we put in one command. RFC 7162 §4 asks clients to keep command lines under 8,192
 * octets; the rest of the command (tag, FETCH items, search keys) fits in what is left.
 */
export const MAX_UID_SET_LENGTH = 6_000;

/** The UIDs as ascending, de-duplicated `[first, last]` ranges. Non-positive or non-integer values are dropped. */
export function uidRanges(uids: Iterable<number>): [number, number][] {
	const sorted = [...uids].filter((u) => Number.isInteger(u) && u > 0).sort((a, b) => a - b);
	const ranges: [number, number][] = [];
	for (const uid of sorted) {
		const last = ranges[ranges.length - 1];
		if (last && uid <= last[1] + 1) last[1] = Math.max(last[1], uid);
		else ranges.push([uid, uid]);
	}
	return ranges;
}

function rangeText([first, last]: [number, number]): string {
	return first === last ? String(first) : `${first}:${last}`;
}

/** One compact UID set (`''` for none). May be long: use {@link uidSetChunks} for commands. */
export function compactUidSet(uids: Iterable<number>): string {
	return uidRanges(uids).map(rangeText).join(',');
}

/**
 * The UIDs as compact sets of at most `maxLength` characters each, in ascending order; none for an
 * empty list. Each range stays whole, so a set is never cut in the middle of a number.
 */
export function uidSetChunks(uids: Iterable<number>, maxLength = MAX_UID_SET_LENGTH): string[] {
	const chunks: string[] = [];
	let current = '';
	for (const range of uidRanges(uids)) {
		const text = rangeText(range);
		if (current && current.length + 1 + text.length > maxLength) {
			chunks.push(current);
			current = '';
		}
		current = current ? `${current},${text}` : text;
	}
	if (current) chunks.push(current);
	return chunks;
}

/**
 * Expands a UID set a server sent (ESEARCH `ALL`, RFC 4731) into UIDs, at most `limit` of them: the set is
 * the server's to choose and `1:4294967295` is a few bytes. Throws on anything that is not a UID set.
 */
export function expandUidSet(set: string, limit: number): number[] {
	const uids: number[] = [];
	if (set.trim() === '') return uids;
	for (const part of set.split(',')) {
		const match = /^(\d{1,10})(?::(\d{1,10}))?$/.exec(part.trim());
		if (!match) throw new RangeError(`not a UID set: "${set.slice(0, 80)}"`);
		const a = Number(match[1]);
		const b = match[2] === undefined ? a : Number(match[2]);
		for (let uid = Math.min(a, b); uid <= Math.max(a, b); uid++) {
			if (uids.length >= limit) throw new RangeError(`UID set holds more than ${limit} UIDs`);
			uids.push(uid);
		}
	}
	return uids;
}

/** Largest value of a list without spreading it into arguments (which throws past ~100,000 values). */
export function maxOf(values: Iterable<number>, empty: number): number {
	let max = -Infinity;
	for (const v of values) if (v > max) max = v;
	return max === -Infinity ? empty : max;
}

/** Smallest value of a list without spreading it into arguments. */
export function minOf(values: Iterable<number>, empty: number): number {
	let min = Infinity;
	for (const v of values) if (v < min) min = v;
	return min === Infinity ? empty : min;
}
