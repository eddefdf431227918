/**
 * A small, forgiving MIME walker over the raw source. mailparser gives us the readable text and the
 * addresses, but it folds `message/delivery-status` into the body text and hides the structure of
 * `multipart/report`; bounce handling needs each part with its own headers (RFC 3464 §2, RFC 5965 §3).
 * Malformed messages are common in bounces (old MTAs), so nothing here throws.
 */
import { capText, MAX_DECODED_TOTAL, MAX_DEPTH, MAX_PARTS, MAX_PATTERN_TEXT } from './limits';
import type { HeaderField, MimePart } from './types';

/** Splits a message into its header block and body at the first empty line (CRLF or LF). */
export function splitHeaderBody(source: string): { head: string; body: string } {
	const match = /\r?\n\r?\n/.exec(source);
	if (!match) return { head: source, body: '' };
	return { head: source.slice(0, match.index), body: source.slice(match.index + match[0].length) };
}

/** Header bytes and fields read from one block: no real header block comes near them. */
const MAX_HEADER_BLOCK = 256 * 1024;
const MAX_HEADER_FIELDS = 2000;

/**
 * Parses a header block into unfolded fields (RFC 5322 §2.2.3: a line starting with WSP continues);
 * the first `MAX_HEADER_FIELDS` fields of its first `MAX_HEADER_BLOCK` characters.
 */
export function parseHeaderBlock(head: string): HeaderField[] {
	const fields: HeaderField[] = [];
	for (const line of capText(head, MAX_HEADER_BLOCK).split(/\r?\n/)) {
		if (/^[ \t]/.test(line) && fields.length > 0) {
			fields[fields.length - 1].value += ' ' + line.trim();
			continue;
		}
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		const name = line.slice(0, colon).trim().toLowerCase();
		if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) continue;
		if (fields.length >= MAX_HEADER_FIELDS) break;
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

/**
 * `name=value` and `name="quoted value"` parameters (RFC 2045 §5.1; also found without the `;` between
 * them). Bounded: a name is at most 100 characters, a value 2,000, and only the first
 * `MAX_CONTENT_TYPE` characters of the field are read.
 */
const PARAMETER = /([\w.*-]{1,100})[ \t]{0,20}=[ \t]{0,20}("(?:[^"\\]|\\.){0,2000}"|[^;\s]{1,2000})/g;
const MAX_CONTENT_TYPE = 8 * 1024;

/** Splits `type/subtype; a=b; c="d"` into a lower-case type and lower-case-named parameters. */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
	if (!value) return { type: 'text/plain', params: {} };
	const field = capText(value, MAX_CONTENT_TYPE);
	const semicolon = field.indexOf(';');
	const typePart = semicolon < 0 ? field : field.slice(0, semicolon);
	const params: Record<string, string> = {};
	if (semicolon >= 0) {
		for (const match of field.slice(semicolon + 1).matchAll(PARAMETER)) {
			const name = match[1].toLowerCase();
			// "__proto__" would replace the object's prototype instead of adding a parameter
			if (name === '__proto__') continue;
			const raw = match[2];
			params[name] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
		}
	}
	return { type: typePart.trim().toLowerCase() || 'text/plain', params };
}

function hexValue(code: number): number {
	if (code >= 0x30 && code <= 0x39) return code - 0x30;
	const lower = code | 0x20;
	return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** RFC 2045 §6.7: "=XX" is one byte, "=" at a line end is a soft line break. */
function decodeQuotedPrintable(body: string): Buffer {
	const soft = body.replace(/=\r?\n/g, '');
	const bytes = Buffer.alloc(soft.length);
	let length = 0;
	for (let i = 0; i < soft.length; i++) {
		const high = soft[i] === '=' ? hexValue(soft.charCodeAt(i + 1)) : -1;
		const low = high >= 0 ? hexValue(soft.charCodeAt(i + 2)) : -1;
		if (low >= 0) {
			bytes[length++] = high * 16 + low;
			i += 2;
		} else {
			bytes[length++] = soft.charCodeAt(i) & 0xff;
		}
	}
	return bytes.subarray(0, length);
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

/**
 * Encoded characters decoded per part: enough for `MAX_PATTERN_TEXT` characters whatever the transfer
 * encoding (base64 4:3, quoted-printable up to 3:1) and charset (UTF-16: two bytes a character).
 */
const MAX_ENCODED = 6 * MAX_PATTERN_TEXT;

/** Transfer-decodes the start of a leaf body held as a binary (latin1) string; at most `max` characters. */
function decodeBody(body: string, encoding: string | undefined, charset: string | undefined, max: number): string {
	const cte = (encoding ?? '7bit').trim().toLowerCase();
	const encoded = capText(body, MAX_ENCODED);
	let bytes: Buffer;
	if (cte === 'base64') bytes = Buffer.from(encoded.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
	else if (cte === 'quoted-printable') bytes = decodeQuotedPrintable(encoded);
	else bytes = Buffer.from(encoded, 'latin1');
	return capText(decodeCharset(bytes, charset), max);
}

/** Media types whose bodies the classifier reads; other parts (images, attachments) keep an empty body. */
function isReadable(type: string): boolean {
	return type.startsWith('text/') || type.startsWith('message/');
}

/**
 * Walks the MIME tree of `source` (a binary string: one char per byte) and returns every part in
 * document order, at most `MAX_PARTS`, `MAX_DEPTH` multiparts deep. Multipart containers are listed too
 * (with an empty body) so `report-type` is visible. `message/rfc822` parts are not descended into: their
 * body is the returned message as sent. Bodies are decoded for text/* and message/* parts only, each to at
 * most `MAX_PATTERN_TEXT` characters and `MAX_DECODED_TOTAL` over all parts.
 */
export function walkMime(source: string): MimePart[] {
	const parts: MimePart[] = [];
	let decodedLeft = MAX_DECODED_TOTAL;
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
		const text = isReadable(type) && decodedLeft > 0 ? decodeBody(body, encoding, params.charset, Math.min(MAX_PATTERN_TEXT, decodedLeft)) : '';
		decodedLeft -= text.length;
		parts.push({ path, contentType: type, params, headers, body: text });
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
