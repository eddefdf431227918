import { compactUidSet, expandUidSet, maxOf, minOf, MAX_UID_SET_LENGTH, uidRanges, uidSetChunks } from '../../../core/mail/uid-set';

describe('UID sets', () => {
	it('writes ascending, de-duplicated ranges', () => {
		expect(compactUidSet([5, 3, 4, 9, 1, 3, 10, 12])).toBe('1,3:5,9:10,12');
		expect(compactUidSet([])).toBe('');
		expect(uidRanges([0, -1, 2.5, 7])).toEqual([[7, 7]]);
	});

	it('regression: 14,000 scattered UIDs (a 4,000-prospect sequence) fit in commands under the line limit', () => {
		// every other UID, so no two are adjacent: the worst case for ranges
		const uids = Array.from({ length: 14_000 }, (_, i) => 2 * i + 1);
		const chunks = uidSetChunks(uids);
		expect(chunks.length).toBeGreaterThan(1);
		for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(MAX_UID_SET_LENGTH);
		expect(chunks.flatMap((c) => expandUidSet(c, 1e6))).toEqual(uids);
	});

	it('100,000 consecutive UIDs are one short range', () => {
		expect(uidSetChunks(Array.from({ length: 100_000 }, (_, i) => i + 1))).toEqual(['1:100000']);
	});

	it('never cuts a range in the middle', () => {
		for (const chunk of uidSetChunks([1, 2, 3, 100, 200, 201], 8)) expect(chunk).toMatch(/^\d+(?::\d+)?(?:,\d+(?::\d+)?)*$/);
	});

	it('expands a server set within a limit, and refuses anything else', () => {
		expect(expandUidSet('1:3,7', 10)).toEqual([1, 2, 3, 7]);
		expect(expandUidSet('5:3', 10)).toEqual([3, 4, 5]);
		expect(() => expandUidSet('1:4294967295', 1000)).toThrow(/more than 1000/);
		expect(() => expandUidSet('1,*', 10)).toThrow(/not a UID set/);
	});

	it('regression: max/min of 200,000 values do not overflow the call stack (Math.min(...list) did)', () => {
		const values = Array.from({ length: 200_000 }, (_, i) => i);
		expect(() => Math.min(...values)).toThrow(RangeError);
		expect(minOf(values, 0)).toBe(0);
		expect(maxOf(values, 0)).toBe(199_999);
		expect(maxOf([], -1)).toBe(-1);
	});
});
