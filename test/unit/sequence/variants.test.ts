/**
 * A/B variants: the choice is deterministic and even, a following step keeps the prospect's track, the
 * letter is in the Message-ID and read back, and sequences without variants keep the ids they had.
 */
import { parseSequenceMessageId, sequenceMessageId, variantName } from '../../../core/mail/message-id';
import { stepMessageId, variantOf, type StepVariants } from '../../../core/sequence/variants';

const prospects = Array.from({ length: 10_000 }, (_, i) => `prospect${i}@example.com`);

describe('Message-IDs of sequences without variants do not change', () => {
	it('pins the id of an existing sequence (computed before variants existed)', () => {
		expect(sequenceMessageId('q4-agencies-v1', 'Jane.Doe@Acme.com', 2, 'example.com')).toBe('<sq.7716c432aeda.2.570f9d97465d2b1e@example.com>');
		expect(sequenceMessageId('q4-agencies-v1', 'jane.doe@acme.com', 1, 'Mail.Example.com')).toBe('<sq.7716c432aeda.1.570f9d97465d2b1e@mail.example.com>');
	});

	it('a step without variants gets no letter, also when other steps of the sequence have variants', () => {
		const steps: StepVariants[] = [{ variants: 2 }, {}, { variants: 3, variantChoice: 'own' }];
		expect(stepMessageId('q4-agencies-v1', 'Jane.Doe@Acme.com', 2, steps, 'example.com')).toBe('<sq.7716c432aeda.2.570f9d97465d2b1e@example.com>');
		expect(stepMessageId('q4-agencies-v1', 'jane.doe@acme.com', 1, [{}, {}], 'example.com')).toBe(sequenceMessageId('q4-agencies-v1', 'jane.doe@acme.com', 1, 'example.com'));
		expect(parseSequenceMessageId('<sq.7716c432aeda.2.570f9d97465d2b1e@example.com>')).toEqual({ sequenceHash: '7716c432aeda', step: 2, prospectHash: '570f9d97465d2b1e' });
	});
});

describe('the variant letter in the Message-ID', () => {
	it('is written after the step and read back (any case)', () => {
		const id = sequenceMessageId('k', 'a@b.com', 3, 'example.com', 1);
		expect(id).toMatch(/^<sq\.[0-9a-f]{12}\.3b\.[0-9a-f]{16}@example\.com>$/);
		expect(parseSequenceMessageId(id)).toMatchObject({ step: 3, variant: 1 });
		expect(parseSequenceMessageId(id.toUpperCase().replace('@EXAMPLE.COM', '@example.com'))).toMatchObject({ step: 3, variant: 1 });
		expect(variantName(parseSequenceMessageId(id)?.variant)).toBe('B');
		expect(parseSequenceMessageId(sequenceMessageId('k', 'a@b.com', 12, 'example.com', 25))).toMatchObject({ step: 12, variant: 25 });
	});

	it('refuses what is not a variant: two letters, a letter before the step, more than 26 variants', () => {
		expect(parseSequenceMessageId('<sq.7716c432aeda.2ab.570f9d97465d2b1e@example.com>')).toBeNull();
		expect(parseSequenceMessageId('<sq.7716c432aeda.a2.570f9d97465d2b1e@example.com>')).toBeNull();
		expect(() => sequenceMessageId('k', 'a@b.com', 1, 'example.com', 26)).toThrow(RangeError);
		expect(() => sequenceMessageId('k', 'a@b.com', 1, 'example.com', -1)).toThrow(RangeError);
	});
});

describe('which variant a prospect gets', () => {
	it('is the same on every call (a retry or a second worker), whatever the address case', () => {
		const steps: StepVariants[] = [{ variants: 3, variantChoice: 'own' }];
		for (const p of prospects.slice(0, 200)) {
			expect(variantOf('seq', p, 1, steps)).toBe(variantOf('seq', p.toUpperCase(), 1, steps));
		}
		expect(variantOf('seq', 'a@b.com', 1, [{}])).toBeUndefined();
		expect(variantOf('seq', 'a@b.com', 1, [{ variants: 1 }])).toBeUndefined();
	});

	it.each([2, 3, 5])('spreads %i variants evenly over 10,000 prospects (each within 1.5 points of its share)', (n) => {
		const counts = new Array<number>(n).fill(0);
		for (const p of prospects) counts[variantOf('spread-test', p, 1, [{ variants: n, variantChoice: 'own' }]) as number]++;
		for (const count of counts) expect(Math.abs(count / prospects.length - 1 / n)).toBeLessThan(0.015);
	});

	it('a following step gives each prospect the variant of the nearest earlier step with variants', () => {
		const steps: StepVariants[] = [{ variants: 2, variantChoice: 'own' }, {}, { variants: 2 }, { variants: 2, variantChoice: 'follow' }];
		for (const p of prospects.slice(0, 1000)) {
			const first = variantOf('track', p, 1, steps);
			expect(variantOf('track', p, 2, steps)).toBeUndefined();
			expect(variantOf('track', p, 3, steps)).toBe(first);
			expect(variantOf('track', p, 4, steps)).toBe(first);
		}
	});

	it('a following step with fewer variants maps the earlier one modulo its own count', () => {
		const steps: StepVariants[] = [{ variants: 3, variantChoice: 'own' }, { variants: 2 }];
		for (const p of prospects.slice(0, 300)) expect(variantOf('mod', p, 2, steps)).toBe((variantOf('mod', p, 1, steps) as number) % 2);
	});

	it('a step choosing on its own is independent of the earlier step (about half agree with two variants)', () => {
		const steps: StepVariants[] = [{ variants: 2, variantChoice: 'own' }, { variants: 2, variantChoice: 'own' }];
		const agree = prospects.filter((p) => variantOf('own', p, 1, steps) === variantOf('own', p, 2, steps)).length;
		expect(Math.abs(agree / prospects.length - 0.5)).toBeLessThan(0.02);
	});

	it('depends on the sequence key: the same prospect is spread independently in another sequence', () => {
		const steps: StepVariants[] = [{ variants: 2, variantChoice: 'own' }];
		const agree = prospects.filter((p) => variantOf('one', p, 1, steps) === variantOf('two', p, 1, steps)).length;
		expect(Math.abs(agree / prospects.length - 0.5)).toBeLessThan(0.02);
	});
});
