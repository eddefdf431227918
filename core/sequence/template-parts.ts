/**
 * Splitting a raw n8n template into literal text and `{{ … }}` expressions, the same way n8n does
 * (n8n-workflow `splitExpression`): an expression opens at `{{` and closes at the first `}}`; a
 * backslash before either (`\{{`, `\}}`) makes it literal.
 *
 * Kept in its own module because both spintax (which must leave expressions alone) and rendering (which
 * evaluates them) need it.
 */
import { InputError } from '../errors';

/** One `{{ … }}` expression inside a raw template. */
export interface ExpressionPart {
	kind: 'expression';
	/** The whole segment, braces included: `{{ $json.firstName }}`. */
	text: string;
	/** The code between the braces, trimmed: `$json.firstName`. */
	code: string;
	/** Offset of the first `{` in the raw template. */
	start: number;
	/** Offset just after the closing `}}`. */
	end: number;
}

/** A raw template as alternating literal strings and expressions (literal strings may be empty). */
export type TemplatePart = string | ExpressionPart;

/**
 * n8n marks a parameter value as an expression with a leading `=` (`={{ $json.name }}`); what follows is
 * the template. Values without it are literal text and are returned unchanged.
 *
 * @param rawParameter - The value from `getNodeParameter(…, { rawExpressions: true })`.
 */
export function templateFromParameter(rawParameter: string): string {
	return rawParameter.startsWith('=') ? rawParameter.slice(1) : rawParameter;
}

/**
 * Splits a raw template into literal strings and expressions, in order.
 *
 * @param field - Named in the error message ("Step 2 body").
 * @throws InputError `INVALID_PARAMETER` when a `{{` is never closed (n8n would evaluate the rest of the
 *   text as code, which is never what the user meant).
 */
export function splitTemplate(raw: string, field = 'Template'): TemplatePart[] {
	const parts: TemplatePart[] = [];
	let literalStart = 0;
	let index = 0;
	while (index < raw.length) {
		const open = raw.indexOf('{{', index);
		if (open === -1) break;
		if (open > 0 && raw[open - 1] === '\\') {
			index = open + 2;
			continue;
		}
		let close = raw.indexOf('}}', open + 2);
		while (close !== -1 && raw[close - 1] === '\\') close = raw.indexOf('}}', close + 2);
		if (close === -1) {
			throw new InputError(
				'INVALID_PARAMETER',
				`${field}: the expression starting at position ${open + 1} ("${raw.slice(open, open + 30)}…") has no closing }}`,
			);
		}
		const text = raw.slice(open, close + 2);
		parts.push(raw.slice(literalStart, open));
		parts.push({ kind: 'expression', text, code: text.slice(2, -2).trim(), start: open, end: close + 2 });
		literalStart = close + 2;
		index = close + 2;
	}
	parts.push(raw.slice(literalStart));
	return parts;
}

/** The `{{ … }}` expressions of a raw template, in order (see {@link splitTemplate} for errors). */
export function findExpressions(raw: string, field = 'Template'): ExpressionPart[] {
	return splitTemplate(raw, field).filter((part): part is ExpressionPart => typeof part !== 'string');
}
