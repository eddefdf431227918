import { applySpintax, spinSegments, spintaxSeed } from '../../../core/sequence/spintax';

const seeds = Array.from({ length: 3000 }, (_, i) => spintaxSeed('q3', `p${i}@acme.com`, 1));

/** Every distinct output over many seeds. */
function outputs(text: string): Set<string> {
	return new Set(seeds.map((seed) => applySpintax(text, seed)));
}

describe('applySpintax', () => {
	it.each([
		['a simple group', '{Hi|Hello|Hey} Jane', ['Hi Jane', 'Hello Jane', 'Hey Jane']],
		['nested groups', '{Hi|Hello {there|friend}}', ['Hi', 'Hello there', 'Hello friend']],
		['an empty alternative', 'Hi{ there|}', ['Hi there', 'Hi']],
		['two groups', '{a|b}{c|d}', ['ac', 'ad', 'bc', 'bd']],
		['a literal group containing spintax', '{x {a|b}}', ['{x a}', '{x b}']],
		['an expression inside an alternative', '{Hi {{ $json.name }}|Hello}', ['Hi {{ $json.name }}', 'Hello']],
	])('resolves %s to exactly the expected alternatives', (_label, text, expected) => {
		expect([...outputs(text)].sort()).toEqual([...expected].sort());
	});

	it.each([
		['braces without a bar', 'Use {name} here'],
		['CSS', '<style>p { color: red; } a{b:c}</style>'],
		['an unclosed group', '{Hi|Hello'],
		['a stray close and bar', 'a | b } c'],
		['an n8n expression with ||', 'Hi {{ $json.firstName || "there" }}'],
		['an n8n expression with an object literal', '{{ ({a: 1}).a }} and {{ $json["x|y"] }}'],
		['an escaped expression opener', 'literal \\{{ not an expression'],
		['empty text', ''],
	])('leaves %s untouched', (_label, text) => {
		for (const seed of seeds.slice(0, 50)) expect(applySpintax(text, seed)).toBe(text);
	});

	it('is deterministic: same seed, same text; different steps may differ', () => {
		const text = '{Hi|Hello|Hey} {there|friend}, {quick|short} {question|note}';
		for (const seed of seeds.slice(0, 200)) expect(applySpintax(text, seed)).toBe(applySpintax(text, seed));
		const perStep = new Set([1, 2, 3, 4, 5, 6].map((step) => applySpintax(text, spintaxSeed('q3', 'jane@acme.com', step))));
		expect(perStep.size).toBeGreaterThan(1);
	});

	it('seeds on the normalised prospect address', () => {
		expect(spintaxSeed('q3', ' Jane@ACME.com', 2)).toBe(spintaxSeed('q3', 'jane@acme.com', 2));
	});

	it('picks the same alternatives in a text and an HTML body with the same spintax', () => {
		for (const seed of seeds.slice(0, 200)) {
			const text = applySpintax('{Hi|Hello|Hey}, {a|b}', seed);
			const html = applySpintax('<p>{Hi|Hello|Hey}, <b>{a|b}</b></p>', seed);
			expect(html).toBe(`<p>${text.replace(', ', ', <b>')}</b></p>`);
		}
	});

	it.each([
		['2 alternatives', '{a|b}', 2],
		['3 alternatives', '{a|b|c}', 3],
		['5 alternatives', '{a|b|c|d|e}', 5],
	])('spreads choices evenly over %s', (_label, text, n) => {
		const counts = new Map<string, number>();
		for (const seed of seeds) {
			const out = applySpintax(text, seed);
			counts.set(out, (counts.get(out) ?? 0) + 1);
		}
		expect(counts.size).toBe(n);
		for (const count of counts.values()) {
			// 3000 draws: each share within ±25% of the expected count (far beyond 5 sigma for n ≤ 5 is not needed)
			expect(count).toBeGreaterThan((seeds.length / n) * 0.75);
			expect(count).toBeLessThan((seeds.length / n) * 1.25);
		}
	});

	it.each([
		['a 1 MB body with a few groups', 'Hello {there|friend}, ' + 'plain text { literal } '.repeat(45_000) + '{a|b}'],
		['a 1 MB body with 10,000 groups', 'Hello {there|friend}, {a|b} { literal } text '.repeat(5_000) + 'x'.repeat(800_000)],
	])('resolves %s, leaving literal braces', (_label, body) => {
		const out = applySpintax(body, seeds[0]);
		expect(out).not.toContain('|');
		expect(out).toContain('{ literal }');
		expect(out).toBe(applySpintax(body, seeds[0]));
	});
});

describe('spinSegments', () => {
	it('passes opaque values through and drops those in unchosen alternatives', () => {
		const marker = { id: 1 };
		const results = new Set(
			seeds.slice(0, 200).map((seed) => {
				const out = spinSegments<typeof marker>(['{Hi ', marker, '|Hello}'], seed);
				return out.map((part) => (typeof part === 'string' ? part : `<${part.id}>`)).join('');
			}),
		);
		expect([...results].sort()).toEqual(['Hello', 'Hi <1>']);
	});
});
