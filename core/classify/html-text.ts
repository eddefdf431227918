/**
 * HTML → plain text, good enough to read a reply: block elements become line breaks, entities are
 * decoded, and the quoted history that mail clients wrap in known containers is cut off first.
 *
 * A single forward scan over the tags, not a chain of patterns: tag patterns such as `<div[^>]*class=…`
 * re-read the rest of the document from every "<" when a ">" is missing, which a hostile body of
 * repeated `<div class=` turns into minutes. Every search here moves forward only.
 */
import { capText, MAX_HTML, MAX_PATTERN_TEXT } from './limits';

/**
 * Class or id values where clients start the quoted history. Gmail: `<div class="gmail_quote">`;
 * Outlook: `<div id="divRplyFwdMsg">` / `<div id="appendonsend">`; Thunderbird:
 * `<div class="moz-cite-prefix">`; Yahoo: `<div class="yahoo_quoted">`; Apple Mail and most others:
 * `<blockquote type="cite">` (see `isQuoteContainer`).
 */
const QUOTE_MARKERS = ['gmail_quote', 'divrplyfwdmsg', 'appendonsend', 'moz-cite-prefix', 'yahoo_quoted', 'outlookmessageheader', 'zmail_extra', 'protonmail_quote'];

/** Elements whose end is a line break in the text. */
const BLOCK_ELEMENTS = new Set(['p', 'div', 'tr', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'table']);

/** Elements dropped with their content. */
const HIDDEN_ELEMENTS = new Set(['head', 'style', 'script', 'title']);

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
	nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", hellip: '…', mdash: '—', ndash: '–',
	rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', eacute: 'é', egrave: 'è', agrave: 'à', ccedil: 'ç',
	uuml: 'ü', ouml: 'ö', auml: 'ä', szlig: 'ß', ntilde: 'ñ', aacute: 'á', iacute: 'í', oacute: 'ó', uacute: 'ú',
	atilde: 'ã', otilde: 'õ', ecirc: 'ê', ocirc: 'ô', acirc: 'â', igrave: 'ì', ograve: 'ò', ugrave: 'ù',
};

/** Decodes HTML character references (`&amp;`, `&#39;`, `&#x27;`). Unknown names stay as written. */
export function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]{1,8}|#\d{1,8}|[a-z]{1,32});/gi, (whole, ref: string) => {
		if (ref[0] === '#') {
			const code = ref[1].toLowerCase() === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
			return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
		}
		return Object.hasOwn(NAMED_ENTITIES, ref.toLowerCase()) ? NAMED_ENTITIES[ref.toLowerCase()] : whole;
	});
}

/**
 * `text.indexOf(needle, from)` for calls whose `from` never decreases: the answer is remembered, so the
 * text is searched once in total however many times it is asked (a missing ">" is looked for once, not
 * once per "<").
 */
function forwardFinder(text: string, needle: string): (from: number) => number {
	let askedFrom = Infinity;
	let found = -1;
	return (from) => {
		if (from >= askedFrom && (found < 0 || found >= from)) return found;
		askedFrom = from;
		found = text.indexOf(needle, from);
		return found;
	};
}

/** Lower-cases ASCII letters only, so indexes stay the same as in the original. */
function asciiLower(text: string): string {
	return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** The values of attribute `name` in a lower-cased tag (`class="a b"`, `class='a'`, `class=a`). */
function attributeValues(tag: string, name: string): string[] {
	const values: string[] = [];
	const key = `${name}=`;
	for (let at = tag.indexOf(key); at >= 0; at = tag.indexOf(key, at)) {
		const before = tag.charCodeAt(at - 1);
		let start = at + key.length;
		const quote = tag[start] === '"' || tag[start] === "'" ? tag[start] : '';
		if (quote) start++;
		let end = start;
		while (end < tag.length && tag[end] !== '"' && tag[end] !== "'" && tag[end] !== '>') end++;
		// "data-class=" or "xid=" is another attribute
		if (!(before >= 0x61 && before <= 0x7a) && before !== 0x2d) values.push(tag.slice(start, end));
		at = Math.max(end, at + key.length);
	}
	return values;
}

/** Whether a lower-cased opening tag starts a known quoted-history container. */
function isQuoteContainer(name: string, tag: string): boolean {
	if (name !== 'div' && name !== 'blockquote') return false;
	const values = [...attributeValues(tag, 'class'), ...attributeValues(tag, 'id')];
	if (values.some((value) => QUOTE_MARKERS.some((marker) => value.includes(marker)))) return true;
	return name === 'blockquote' && attributeValues(tag, 'type').some((value) => value.startsWith('cite'));
}

/** The element name of a lower-cased tag (`<div …>`, `</p>`, `<br/>`), '' for anything else. */
function tagName(tag: string): string {
	let start = 1;
	if (tag[start] === '/') start++;
	let end = start;
	for (let code = tag.charCodeAt(end); (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39); code = tag.charCodeAt(++end));
	return tag.slice(start, end);
}

/** Readable text of an HTML body. With `cutQuote`, stops where a known quoted-history container begins. */
export function htmlToText(html: string, cutQuote = true): string {
	const source = capText(html, MAX_HTML);
	const lower = asciiLower(source);
	const nextTagEnd = forwardFinder(source, '>');
	const nextTagStart = forwardFinder(source, '<');
	const nextCommentEnd = forwardFinder(source, '-->');
	const hiddenEnds = new Map([...HIDDEN_ELEMENTS].map((name) => [name, forwardFinder(lower, `</${name}>`)]));
	const pieces: string[] = [];
	let index = 0;
	while (index < source.length) {
		const open = source.indexOf('<', index);
		if (open < 0) break;
		pieces.push(source.slice(index, open));
		if (source.startsWith('<!--', open)) {
			const end = nextCommentEnd(open + 4);
			if (end >= 0) {
				index = end + 3;
				continue;
			}
		}
		const close = nextTagEnd(open + 1);
		// "<" without a ">" after it, "<>", or a "<" before the next tag ("a < b <div>") is text
		const inner = nextTagStart(open + 1);
		if (close < 0 || close === open + 1 || (inner >= 0 && inner < close)) {
			pieces.push('<');
			index = open + 1;
			continue;
		}
		const tag = lower.slice(open, close + 1);
		const name = tagName(tag);
		const closing = tag[1] === '/';
		const hiddenEnd = !closing ? hiddenEnds.get(name)?.(close + 1) : undefined;
		if (hiddenEnd !== undefined && hiddenEnd >= 0) {
			index = hiddenEnd + name.length + 3;
			continue;
		}
		if (!closing && cutQuote && isQuoteContainer(name, tag)) {
			index = source.length;
			break;
		}
		if (name === 'br' || (BLOCK_ELEMENTS.has(name) && (!closing || tag === `</${name}>`))) pieces.push('\n');
		else if (name === 'hr' && !closing) pieces.push('\n________________________________\n');
		index = close + 1;
	}
	if (index < source.length) pieces.push(source.slice(index));
	return capText(decodeEntities(pieces.join('')), MAX_PATTERN_TEXT)
		.replace(/[ \t\u00a0]+/g, ' ')
		.replace(/ ?\n ?/g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}
