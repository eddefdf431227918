/**
 * A small, forgiving MIME walker over the raw source. mailparser gives us the readable text and the
 * addresses, but it folds `message/delivery-status` into the body text and hides the structure of
 * `multipart/report`; bounce handling needs each part with its own headers (RFC 3464 §2, RFC 5965 §3).
 * Malformed messages are common in bounces (old MTAs), so nothing here throws.
 */
import type { HeaderField, MimePart } from './types';

/** Splits a message into its header block and body at the first empty line (CRLF or LF). */
export function splitHeaderBody(source: string): { head: string; body: string } {
	const match = /\r?\n\r?\n/.exec(source);
	if (!match) return { head: source, body: '' };
	return { head: source.slice(0, match.index), body: source.slice(match.index + match[0].length) };
}

/** Parses a header block into unfolded fields (RFC 5322 §2.2.3: a line starting with WSP continues). */
export function parseHeaderBlock(head: string): HeaderField[] {
	const fields: HeaderField[] = [];
	for (const line of head.split(/\r?\n/)) {
		if (/^[ \t]/.test(line) && fields.length > 0) {
			fields[fields.length - 1].value += ' ' + line.trim();
			continue;
		}
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
		fields.push({ name, value: line.slice(colon + 1).trim() });
	}
	return fields;
}

/** First value of a header field, or undefined. */
export function headerValue(fields: readonly HeaderField[], name: string): string | undefined {
	const lower = name.toLowerCase();
	return fields.find((field) => field.name === lower)?.value;
}

/** All values of a header field, in order. */
export function headerValues(fields: readonly HeaderField[], name: string): string[] {
	const lower = name.toLowerCase();
	return fields.filter((field) => field.name === lower).map((field) => field.value);
}

/** Splits `type/subtype; a=b; c="d"` into a lower-case type and lower-case-named parameters. */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
	if (!value) return { type: 'text/plain', params: {} };
	const [typePart, ...rest] = value.split(';');
	const params: Record<string, string> = {};
	const paramText = rest.join(';');
	const paramPattern = /([\w.*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;\s]+)/g;
	for (let match = paramPattern.exec(paramText); match; match = paramPattern.exec(paramText)) {
		const raw = match[2];
		params[match[1].toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
	}
	return { type: typePart.trim().toLowerCase() || 'text/plain', params };
}

function decodeQuotedPrintable(body: string): Buffer {
	const soft = body.replace(/=\r?\n/g, '');
	const bytes: number[] = [];
	for (let i = 0; i < soft.length; i++) {
		const char = soft[i];
		if (char === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
			bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
			i += 2;
		} else {
			bytes.push(soft.charCodeAt(i) & 0xff);
		}
	}
	return Buffer.from(bytes);
}

/** Bytes → text in the declared charset, falling back to UTF-8 for charsets Node does not know. */
function decodeCharset(bytes: Buffer, charset: string | undefined): string {
	const label = (charset ?? 'utf-8').toLowerCase();
	try {
		return new TextDecoder(label).decode(bytes);
	} catch {
		return bytes.toString('utf8');
	}
}

/** Transfer-decodes a leaf body held as a binary (latin1) string. */
function decodeBody(body: string, encoding: string | undefined, charset: string | undefined): string {
	const cte = (encoding ?? '7bit').trim().toLowerCase();
	let bytes: Buffer;
	if (cte === 'base64') bytes = Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
	else if (cte === 'quoted-printable') bytes = decodeQuotedPrintable(body);
	else bytes = Buffer.from(body, 'latin1');
	return decodeCharset(bytes, charset);
}

/** Limits the walk on hostile input: no real report nests deeper or has more parts. */
const MAX_DEPTH = 8;
const MAX_PARTS = 200;

/**
 * Walks the MIME tree of `source` (a binary string: one char per byte) and returns every part in
 * document order. Multipart containers are listed too (with an empty body) so `report-type` is visible.
 * `message/rfc822` parts are not descended into: their body is the returned message as sent.
 */
export function walkMime(source: string): MimePart[] {
	const parts: MimePart[] = [];
	const visit = (entity: string, path: string, depth: number): void => {
		if (parts.length >= MAX_PARTS) return;
		const { head, body } = splitHeaderBody(entity);
		const headers = parseHeaderBlock(head);
		const { type, params } = parseContentType(headerValue(headers, 'content-type'));
		const boundary = params.boundary;
		if (type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
			parts.push({ path, contentType: type, params, headers, body: '' });
			const children = splitMultipart(body, boundary);
			children.forEach((child, index) => visit(child, path === '0' ? String(index + 1) : `${path}.${index + 1}`, depth + 1));
			return;
		}
		const encoding = headerValue(headers, 'content-transfer-encoding');
		parts.push({ path, contentType: type, params, headers, body: decodeBody(body, encoding, params.charset) });
	};
	visit(source, '0', 0);
	return parts;
}

/** RFC 2046 §5.1.1: parts are separated by "--boundary" lines; "--boundary--" closes. */
function splitMultipart(body: string, boundary: string): string[] {
	const lines = body.split(/\r?\n/);
	const open = `--${boundary}`;
	const close = `--${boundary}--`;
	const children: string[] = [];
	let current: string[] | null = null;
	for (const line of lines) {
		const trimmed = line.trimEnd();
		if (trimmed === close) {
			if (current) children.push(current.join('\n'));
			current = null;
			break;
		}
		if (trimmed === open) {
			if (current) children.push(current.join('\n'));
			current = [];
			continue;
		}
		if (current) current.push(line);
	}
	// A report truncated before its closing boundary still carries useful parts.
	if (current && current.length > 0) children.push(current.join('\n'));
	return children;
}
