import { pacingDelayMs, pacingPlan, remainingPauseMs } from '../../../core/sequence/pacing';

/** A deterministic uniform source (mulberry32) so the rule is checked on many draws, reproducibly. */
function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

describe('pacingDelayMs', () => {
	it.each([
		[60, 180, 0, 60_000],
		[60, 180, 0.5, 120_000],
		[60, 180, 0.999999, 180_000],
		[0, 0, 0.7, 0],
		[30, 30, 0.3, 30_000],
	])('min %d, max %d, random %d → %d ms', (min, max, r, expected) => {
		expect(pacingDelayMs(min, max, () => r)).toBe(expected);
	});

	it.each([
		[-1, 10],
		[10, 5],
		[Number.NaN, 5],
	])('rejects min %d max %d', (min, max) => {
		expect(() => pacingDelayMs(min, max)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER' }));
	});
});

describe('pacingPlan', () => {
	it.each([
		[60, 180],
		[5, 6],
		[0, 1],
	])('never puts two sends within the minimum delay (%d–%d s) and never spreads them beyond the maximum', (min, max) => {
		for (let seed = 1; seed <= 20; seed++) {
			const plan = pacingPlan(50, min, max, seeded(seed));
			expect(plan[0]).toBe(0);
			for (let i = 1; i < plan.length; i++) {
				expect(plan[i] - plan[i - 1]).toBeGreaterThanOrEqual(min * 1000);
				expect(plan[i] - plan[i - 1]).toBeLessThanOrEqual(max * 1000);
			}
		}
	});

	it('uses the whole range, not a constant', () => {
		const plan = pacingPlan(200, 60, 180, seeded(7));
		const gaps = plan.slice(1).map((at, i) => at - plan[i]);
		expect(Math.min(...gaps)).toBeLessThan(75_000);
		expect(Math.max(...gaps)).toBeGreaterThan(165_000);
	});
});

describe('remainingPauseMs', () => {
	it.each([
		[undefined, 1_000, 60_000, 0],
		[0, 10_000, 60_000, 50_000],
		[0, 70_000, 60_000, 0],
	])('last %s, now %d, delay %d → %d', (last, now, delay, expected) => {
		expect(remainingPauseMs(last, now, delay)).toBe(expected);
	});
});
