/**
 * HTML → plain text, good enough to read a reply: block elements become line breaks, entities are
 * decoded, and the quoted history that mail clients wrap in known containers is cut off first.
 */

/**
 * Where clients start the quoted history in HTML. Gmail: `<div class="gmail_quote">`; Outlook:
 * `<div id="divRplyFwdMsg">` / `<div id="appendonsend">`; Thunderbird: `<div class="moz-cite-prefix">`;
 * Yahoo: `<div class="yahoo_quoted">`; Apple Mail and most others: `<blockquote type="cite">`.
 */
const QUOTE_CONTAINER = /<(?:div|blockquote)[^>]*(?:class|id)=["']?[^"'>]*(?:gmail_quote|divRplyFwdMsg|appendonsend|moz-cite-prefix|yahoo_quoted|OutlookMessageHeader|zmail_extra|protonmail_quote)[^>]*>|<blockquote[^>]*type=["']?cite[^>]*>/i;

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
	nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", hellip: '…', mdash: '—', ndash: '–',
	rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', eacute: 'é', egrave: 'è', agrave: 'à', ccedil: 'ç',
	uuml: 'ü', ouml: 'ö', auml: 'ä', szlig: 'ß', ntilde: 'ñ', aacute: 'á', iacute: 'í', oacute: 'ó', uacute: 'ú',
	atilde: 'ã', otilde: 'õ', ecirc: 'ê', ocirc: 'ô', acirc: 'â', igrave: 'ì', ograve: 'ò', ugrave: 'ù',
};

/** Decodes HTML character references (`&amp;`, `&#39;`, `&#x27;`). Unknown names stay as written. */
export function decodeEntities(text: string): string {
	return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
		if (ref[0] === '#') {
			const code = ref[1].toLowerCase() === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
			return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : whole;
		}
		return NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
	});
}

/** Readable text of an HTML body. With `cutQuote`, stops where a known quoted-history container begins. */
export function htmlToText(html: string, cutQuote = true): string {
	let body = html.replace(/<!--[\s\S]*?-->/g, '').replace(/<(head|style|script|title)\b[\s\S]*?<\/\1>/gi, '');
	if (cutQuote) {
		const quote = QUOTE_CONTAINER.exec(body);
		if (quote) body = body.slice(0, quote.index);
	}
	body = body
		.replace(/<br\s*\/?>/gi, '\n')
		.replace(/<\/(?:p|div|tr|li|h[1-6]|blockquote|table)>/gi, '\n')
		.replace(/<(?:p|div|tr|li|h[1-6]|blockquote|table)\b[^>]*>/gi, '\n')
		.replace(/<hr\b[^>]*>/gi, '\n________________________________\n')
		.replace(/<[^>]+>/g, '');
	return decodeEntities(body)
		.replace(/[ \t\u00a0]+/g, ' ')
		.replace(/ *\n */g, '\n')
		.replace(/\n{3,}/g, '\n\n')
		.trim();
}
