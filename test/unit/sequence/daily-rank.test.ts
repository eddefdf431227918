import { rankBound, type RankPoint } from '../../../core/sequence/daily-rank';

const DAY = Date.UTC(2026, 11, 2);

describe('rankBound', () => {
	it('has nothing to go by for the first claim, another day, or a UID not above the last', () => {
		const last: RankPoint = { uid: 40, dayStart: DAY, rank: 7 };
		expect(rankBound(undefined, 41, DAY)).toBeUndefined();
		expect(rankBound(last, 41, DAY + 86_400_000)).toBeUndefined();
		expect(rankBound(last, 40, DAY)).toBeUndefined();
		expect(rankBound(last, 12, DAY)).toBeUndefined();
	});

	it('adds the UID distance: every UID in between may be another run’s claim', () => {
		expect(rankBound({ uid: 40, dayStart: DAY, rank: 7 }, 41, DAY)).toBe(8);
		expect(rankBound({ uid: 40, dayStart: DAY, rank: 7 }, 45, DAY)).toBe(12);
	});

	it('never undercounts: a simulated Sent folder where two runs, everyday mail and released claims interleave', () => {
		// UIDs 1..n in order; each message is ours-today (counts), everyday (does not) or released (gone)
		let seed = 7;
		const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
		for (let trial = 0; trial < 200; trial++) {
			const kinds: ('ours' | 'other' | 'gone')[] = [];
			let last: RankPoint | undefined;
			for (let uid = 1; uid <= 60; uid++) {
				const r = random();
				kinds.push(r < 0.6 ? 'ours' : r < 0.85 ? 'other' : 'gone');
				// our run claims this UID with probability 0.3 and ranks it (the claim itself counts)
				if (kinds[uid - 1] !== 'ours' || random() > 0.3) continue;
				const exact = kinds.slice(0, uid).filter((k) => k === 'ours').length;
				const bound = rankBound(last, uid, DAY);
				if (bound !== undefined) expect(bound).toBeGreaterThanOrEqual(exact);
				// the run keeps the bound when it is used, else the exact count
				last = { uid, dayStart: DAY, rank: bound !== undefined && random() < 0.5 ? bound : exact };
				// a claim counted earlier may be released later: counts only go down below the last UID
				if (random() < 0.1) kinds[Math.floor(random() * uid)] = 'gone';
			}
		}
	});
});
