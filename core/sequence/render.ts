/**
 * Rendering a step for one prospect from the RAW template. n8n would resolve `{{ $json.firstName }}`
 * itself, but a missing field silently becomes '' and "Hi ," goes out. So the node hands us the raw
 * template and an evaluate callback; we resolve spintax on the literal text only, evaluate just the
 * expressions that survive it, and refuse to render when one of them has no value.
 */
import { InputError, SequenceError } from '../errors';
import { assertHeaderSafe } from '../mail/header-safety';
import { replySubject } from '../mail/threading';
import { spinSegments } from './spintax';
import { splitTemplate, type ExpressionPart } from './template-parts';

export { findExpressions, splitTemplate, templateFromParameter } from './template-parts';
export type { ExpressionPart, TemplatePart } from './template-parts';

/**
 * Evaluates one expression for the current item. Receives the whole segment with braces
 * (`{{ $json.firstName }}`); in the node: `(e) => this.evaluateExpression('=' + e, itemIndex)`.
 */
export type EvaluateExpression = (expression: string) => unknown;

/** Default cap on text + HTML body, in UTF-8 bytes: far above any real outreach email (1 MB works). */
export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

function describeMissing(value: unknown): string | undefined {
	if (value === undefined) return 'undefined';
	if (value === null) return 'null';
	if (typeof value === 'string' && value.trim().length === 0) return value.length === 0 ? 'an empty string' : 'only whitespace';
	return undefined;
}

function stringify(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value instanceof Date) return value.toISOString();
	if (typeof value === 'object' && value !== null) {
		// luxon DateTime and other value objects render through their own toString, plain data as JSON
		if (Object.getPrototypeOf(value) === Object.prototype || Array.isArray(value)) return JSON.stringify(value);
		return String(value);
	}
	return String(value);
}

/**
 * Text as HTML character data or attribute value: `&`, `<`, `>`, `"` and `'` as entities, so a value
 * like `<img src=…>` or `"><a href=…>` shows as text instead of adding markup to the email.
 */
const HTML_ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
	return text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
}

/**
 * The form an expression is matched in against the "HTML fields not escaped" list: its code without
 * braces, whitespace collapsed (`{{  $json.sig }}` and `$json.sig` are the same).
 */
export function expressionKey(code: string): string {
	return code.replace(/^\{\{|\}\}$/g, '').trim().replace(/\s+/g, ' ');
}

function evaluateOne(part: ExpressionPart, evaluate: EvaluateExpression, field: string): string {
	let value: unknown;
	try {
		value = evaluate(part.text);
	} catch (error) {
		if (error instanceof SequenceError) throw error;
		const message = error instanceof Error ? error.message : String(error);
		throw new InputError('INVALID_PARAMETER', `${field}: the expression ${part.text} failed: ${message}`, { cause: error });
	}
	const missing = describeMissing(value);
	if (missing !== undefined) {
		throw new InputError('MISSING_VARIABLE', `${field}: ${part.text} has no value for this prospect (it is ${missing})`, {
			hint: 'Fill in the field for this prospect or change the template; n8n would otherwise send an empty string.',
		});
	}
	return stringify(value);
}

/**
 * Renders a raw template: spintax on the literal parts (seeded), then each surviving `{{ … }}` evaluated
 * with `evaluate` and passed through `insert` (e.g. HTML escaping). A value containing `{` or `|` is
 * never spun. Expressions in alternatives spintax did not pick are not evaluated.
 *
 * @param field - Named in errors ("Step 2 body").
 * @param insert - How a value goes into the text; default as it is.
 * @throws InputError `MISSING_VARIABLE` naming the expression when it yields undefined, null, '' or only
 *   whitespace; `INVALID_PARAMETER` when an expression throws or a `{{` is never closed.
 */
export function renderTemplate(
	raw: string,
	evaluate: EvaluateExpression,
	seed: string,
	field = 'Template',
	insert: (value: string, part: ExpressionPart) => string = (value) => value,
): string {
	const parts = spinSegments(splitTemplate(raw, field), seed);
	let result = '';
	for (const part of parts) result += typeof part === 'string' ? part : insert(evaluateOne(part, evaluate, field), part);
	return result;
}

/** One step of the sequence as the user wrote it (raw templates, `=` marker already removed). */
export interface StepTemplate {
	/** Blank on a follow-up means "reply in the thread": `Re: <first subject>`. */
	subject: string;
	/** Plain-text body (required). */
	text: string;
	/** Optional HTML body. */
	html?: string;
}

/** A step rendered for one prospect, validated and ready for the transport. */
export interface RenderedStep {
	subject: string;
	text: string;
	html?: string;
}

/** Everything {@link renderStep} needs besides the template. */
export interface RenderStepOptions {
	/** Step number (1-based), used in error messages. */
	step: number;
	/** Spintax seed for this prospect and step (see `spintaxSeed`); subject and body derive their own. */
	seed: string;
	/** Rendered subject of step 1 for this prospect: a blank follow-up subject becomes `Re: <it>`. */
	threadSubject?: string;
	/** Cap on text + HTML bytes; default {@link DEFAULT_MAX_BODY_BYTES}. */
	maxBodyBytes?: number;
	/**
	 * Expressions (see {@link expressionKey}) whose values are HTML the user trusts and go into the HTML
	 * body as they are. Every other value is escaped there. Default none.
	 */
	rawHtml?: ReadonlySet<string>;
}

/**
 * Renders and validates one step: the subject must be non-empty and header-safe, the text body non-empty,
 * the HTML body (when given) non-empty, and text + HTML within the size limit. Values in the HTML body
 * are HTML-escaped unless their expression is in `rawHtml`.
 *
 * @throws InputError `EMPTY_FIELD`, `HEADER_INJECTION`, `BODY_TOO_LARGE`, `MISSING_VARIABLE`, `INVALID_PARAMETER`.
 */
export function renderStep(template: StepTemplate, evaluate: EvaluateExpression, options: RenderStepOptions): RenderedStep {
	const label = `Step ${options.step}`;
	let subject: string;
	if (template.subject.trim().length === 0) {
		if (options.threadSubject === undefined || options.step === 1) {
			throw new InputError('EMPTY_FIELD', `${label} subject is empty`);
		}
		subject = replySubject(options.threadSubject);
	} else {
		const rendered = renderTemplate(template.subject, evaluate, `${options.seed}\u0000subject`, `${label} subject`);
		subject = assertHeaderSafe(`${label} subject`, rendered).trim();
		if (subject.length === 0) throw new InputError('EMPTY_FIELD', `${label} subject is empty after rendering`);
	}

	const bodySeed = `${options.seed}\u0000body`;
	const text = renderTemplate(template.text, evaluate, bodySeed, `${label} text body`);
	if (text.trim().length === 0) throw new InputError('EMPTY_FIELD', `${label} text body is empty`);

	let html: string | undefined;
	if (template.html !== undefined && template.html.trim().length > 0) {
		// prospect data (a name from a web form) must not add markup, links or tracking images
		const rawHtml = options.rawHtml ?? new Set<string>();
		html = renderTemplate(template.html, evaluate, bodySeed, `${label} HTML body`, (value, part) =>
			rawHtml.has(expressionKey(part.code)) ? value : escapeHtml(value),
		);
		if (html.trim().length === 0) throw new InputError('EMPTY_FIELD', `${label} HTML body is empty after rendering`);
	}

	const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
	const bytes = Buffer.byteLength(text, 'utf8') + (html === undefined ? 0 : Buffer.byteLength(html, 'utf8'));
	if (bytes > maxBytes) {
		throw new InputError(
			'BODY_TOO_LARGE',
			`${label} body is ${bytes} bytes (text + HTML), more than the limit of ${maxBytes} bytes`,
			{ hint: 'Outreach emails should be short; attach large content as a link instead.' },
		);
	}
	return html === undefined ? { subject, text } : { subject, text, html };
}
