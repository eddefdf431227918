import { InputError } from '../../../core/errors';
import {
	DEFAULT_MAX_BODY_BYTES,
	findExpressions,
	renderStep,
	renderTemplate,
	templateFromParameter,
	type EvaluateExpression,
} from '../../../core/sequence/render';
import { spintaxSeed } from '../../../core/sequence/spintax';
import { inputErrorOf } from '../../helpers/errors';

/** A stand-in for n8n's evaluateExpression over one item's JSON: `{{ $json.key }}` → item[key]. */
function evaluatorFor(item: Record<string, unknown>): EvaluateExpression & { calls: string[] } {
	const calls: string[] = [];
	const evaluate = (expression: string): unknown => {
		calls.push(expression);
		const match = /^\{\{\s*\$json\.(\w+)\s*\}\}$/.exec(expression);
		if (!match) throw new Error(`unsupported expression ${expression}`);
		return item[match[1]];
	};
	return Object.assign(evaluate, { calls });
}

const seed = spintaxSeed('q3', 'jane@acme.com', 1);

describe('findExpressions', () => {
	it.each([
		['no expression', 'Hello there', []],
		['one', 'Hi {{ $json.firstName }}!', ['{{ $json.firstName }}']],
		['two', '{{ $json.a }}{{$json.b}}', ['{{ $json.a }}', '{{$json.b}}']],
		['braces inside', '{{ ({a: 1}).a }}', ['{{ ({a: 1}).a }}']],
		['escaped opener', '\\{{ nope }}', []],
	])('%s', (_label, raw, expected) => {
		expect(findExpressions(raw).map((e) => e.text)).toEqual(expected);
	});

	it('gives offsets and trimmed code', () => {
		expect(findExpressions('Hi {{ $json.firstName }}!')).toEqual([
			{ kind: 'expression', text: '{{ $json.firstName }}', code: '$json.firstName', start: 3, end: 24 },
		]);
	});

	it('rejects an unclosed {{', () => {
		expect(inputErrorOf(() => findExpressions('Hi {{ $json.firstName', 'Step 1 body')).message).toMatch(
			/^Step 1 body: the expression starting at position 4/,
		);
	});
});

describe('templateFromParameter', () => {
	it.each([
		['={{ $json.a }}', '{{ $json.a }}'],
		['Hello', 'Hello'],
		['==x', '=x'],
	])('%j → %j', (raw, expected) => expect(templateFromParameter(raw)).toBe(expected));
});

describe('renderTemplate', () => {
	it.each([
		['a value', 'Hi {{ $json.firstName }}', { firstName: 'Jane' }, 'Hi Jane'],
		['a number', '{{ $json.n }} seats', { n: 12 }, '12 seats'],
		['zero is a value', '{{ $json.n }} seats', { n: 0 }, '0 seats'],
		['false is a value', 'flag {{ $json.b }}', { b: false }, 'flag false'],
		['a value with spintax-like text is not spun', 'Hi {{ $json.name }}', { name: '{A|B} Corp' }, 'Hi {A|B} Corp'],
		['a value with braces', '{{ $json.name }}', { name: '{{ x }}' }, '{{ x }}'],
		['an object as JSON', '{{ $json.o }}', { o: { a: 1 } }, '{"a":1}'],
	])('inserts %s', (_label, raw, item, expected) => {
		expect(renderTemplate(raw, evaluatorFor(item), seed)).toBe(expected);
	});

	it.each([
		['undefined', {}, 'it is undefined'],
		['null', { firstName: null }, 'it is null'],
		['an empty string', { firstName: '' }, 'it is an empty string'],
		['whitespace', { firstName: ' \t ' }, 'it is only whitespace'],
	])('throws MISSING_VARIABLE naming the expression when the value is %s', (_label, item, what) => {
		const error = inputErrorOf(() => renderTemplate('Hi {{ $json.firstName }},', evaluatorFor(item), seed, 'Step 1 text body'));
		expect(error.code).toBe('MISSING_VARIABLE');
		expect(error.message).toBe(`Step 1 text body: {{ $json.firstName }} has no value for this prospect (${what})`);
	});

	it('evaluates only the expressions in chosen alternatives', () => {
		const outcomes = new Set<string>();
		for (let i = 0; i < 100; i++) {
			const evaluate = evaluatorFor({ firstName: 'Jane' });
			try {
				const out = renderTemplate('{Hi {{ $json.firstName }}|Hello {{ $json.missing }}}', evaluate, `s${i}`);
				expect(evaluate.calls).toEqual(['{{ $json.firstName }}']);
				outcomes.add(out);
			} catch (error) {
				expect(evaluate.calls).toEqual(['{{ $json.missing }}']);
				outcomes.add((error as InputError).code);
			}
		}
		expect(outcomes).toEqual(new Set(['Hi Jane', 'MISSING_VARIABLE']));
	});

	it('turns an expression that throws into INVALID_PARAMETER with the expression named', () => {
		const error = inputErrorOf(() => renderTemplate('{{ $json.a.b.c }}', evaluatorFor({}), seed));
		expect(error.code).toBe('INVALID_PARAMETER');
		expect(error.message).toContain('{{ $json.a.b.c }}');
	});

	it('renders the same text for the same seed', () => {
		const raw = '{Hi|Hello|Hey} {{ $json.firstName }}, {quick|short} question';
		const evaluate = evaluatorFor({ firstName: 'Jane' });
		expect(renderTemplate(raw, evaluate, seed)).toBe(renderTemplate(raw, evaluate, seed));
	});
});

describe('renderStep', () => {
	const evaluate = evaluatorFor({ firstName: 'Jane', company: 'Acme', newline: 'Acme\r\nBcc: x@y.z' });

	it('renders subject, text and HTML', () => {
		const out = renderStep(
			{ subject: 'Question for {{ $json.company }}', text: 'Hi {{ $json.firstName }}', html: '<p>Hi {{ $json.firstName }}</p>' },
			evaluate,
			{ step: 1, seed },
		);
		expect(out).toEqual({ subject: 'Question for Acme', text: 'Hi Jane', html: '<p>Hi Jane</p>' });
	});

	it.each([
		['blank follow-up subject', { subject: '  ', text: 'x' }, 'Question for Acme', 'Re: Question for Acme'],
		['follow-up subject already a reply', { subject: '', text: 'x' }, 'RE: Question', 'RE: Question'],
		['own subject on a follow-up', { subject: 'New angle', text: 'x' }, 'Question', 'New angle'],
	])('%s', (_label, template, threadSubject, expected) => {
		expect(renderStep(template, evaluate, { step: 2, seed, threadSubject }).subject).toBe(expected);
	});

	it.each([
		['empty subject on step 1', { subject: '', text: 'x' }, 'EMPTY_FIELD', 'Step 1 subject is empty'],
		['subject rendering to blank', { subject: '{ | }', text: 'x' }, 'EMPTY_FIELD', 'Step 1 subject is empty after rendering'],
		['empty text body', { subject: 's', text: '  \n ' }, 'EMPTY_FIELD', 'Step 1 text body is empty'],
		['subject with CR/LF from a value', { subject: 'Hi {{ $json.newline }}', text: 'x' }, 'HEADER_INJECTION', 'Step 1 subject'],
		['subject with a literal line break', { subject: 'Hi\nthere', text: 'x' }, 'HEADER_INJECTION', 'Step 1 subject'],
		['missing variable in the body', { subject: 's', text: '{{ $json.nope }}' }, 'MISSING_VARIABLE', '{{ $json.nope }}'],
		[
			'body over the limit',
			{ subject: 's', text: 'a'.repeat(DEFAULT_MAX_BODY_BYTES - 10), html: 'b'.repeat(11) },
			'BODY_TOO_LARGE',
			`more than the limit of ${DEFAULT_MAX_BODY_BYTES} bytes`,
		],
	])('rejects %s', (_label, template, code, message) => {
		const error = inputErrorOf(() => renderStep(template, evaluate, { step: 1, seed }));
		expect(error.code).toBe(code);
		expect(error.message).toContain(message);
	});

	it('renders a 1 MB body (text + HTML)', () => {
		const text = 'Hi {{ $json.firstName }}, ' + 'x'.repeat(512 * 1024);
		const html = '<p>' + 'y'.repeat(512 * 1024) + '</p>';
		const out = renderStep({ subject: 's', text, html }, evaluate, { step: 1, seed });
		expect(out.text.startsWith('Hi Jane, ')).toBe(true);
		expect(out.html?.length).toBe(512 * 1024 + 7);
	});

	it('counts bytes, not characters, against a custom limit', () => {
		expect(() => renderStep({ subject: 's', text: 'ü'.repeat(6) }, evaluate, { step: 1, seed, maxBodyBytes: 11 })).toThrow(
			expect.objectContaining({ code: 'BODY_TOO_LARGE' }),
		);
		expect(renderStep({ subject: 's', text: 'ü'.repeat(5) }, evaluate, { step: 1, seed, maxBodyBytes: 11 }).text).toBe('üüüüü');
	});
});
