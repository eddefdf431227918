/**
 * Raw message → `MailFacts`. The trigger calls this on the source fetched over IMAP, the eval command on
 * `.eml` files; both then call `classify`. mailparser decodes the readable text and addresses; our own
 * walker (`mime.ts`) keeps every part, so multipart/report's machine-readable parts stay reachable.
 */
import { simpleParser, type AddressObject, type ParsedMail } from 'mailparser';
import { splitMessageIds } from '../mail/message-id';
import { headerValue, parseContentType, parseHeaderBlock, splitHeaderBody, walkMime } from './mime';
import { headerFacts } from './header-facts';
import type { MailAddress, MailFacts, MimePart } from './types';

function firstAddress(value: AddressObject | AddressObject[] | undefined): MailAddress | undefined {
	return allAddresses(value)[0];
}

function allAddresses(value: AddressObject | AddressObject[] | undefined): MailAddress[] {
	if (!value) return [];
	const objects = Array.isArray(value) ? value : [value];
	const result: MailAddress[] = [];
	for (const object of objects) {
		for (const entry of object.value) {
			if (entry.address) result.push({ address: entry.address.toLowerCase(), name: entry.name ?? '' });
		}
	}
	return result;
}

function rawBodyText(binary: string): string {
	return Buffer.from(splitHeaderBody(binary).body, 'latin1').toString('utf8');
}

/**
 * What mailparser is given: the first 1,000 lines of the header block, then the body up to its 40th
 * MIME boundary line, 8,000th line or the first MiB of the message, whichever comes first. mailparser
 * costs a few µs a line and 0.4 ms a part, parses every address of a header, and refuses more than 1,000
 * parts or a header block over 16,000 lines; a hostile message of short lines, many parts or huge
 * headers would otherwise take seconds or throw. The classifier's own walker (`walkMime`) reads the
 * whole message within its own bounds; the cut only loses text that follows 8,000 lines of attachments
 * (then the walker's text parts are used). Real mail has at most 14 boundary lines (shared corpus).
 */
const MAX_PARSE_HEADER_LINES = 1000;
const MAX_PARSE_BYTES = 1024 * 1024;
const MAX_PARSE_LINES = 8000;
const MAX_PARSE_BOUNDARIES = 40;

/** The part of the raw message mailparser reads (see `MAX_PARSE_HEADER_LINES`). */
export function parserInput(buffer: Buffer): Buffer {
	const limit = Math.min(buffer.length, MAX_PARSE_BYTES);
	let headLines = 0;
	let headKept = -1;
	let bodyStart = -1;
	let bodyLines = 0;
	let boundaries = 0;
	let end = limit;
	for (let start = 0; start < limit; ) {
		const newline = buffer.indexOf(0x0a, start);
		if (bodyStart < 0) {
			if (newline === start || (newline === start + 1 && buffer[start] === 0x0d)) bodyStart = start;
			else if (++headLines > MAX_PARSE_HEADER_LINES && headKept < 0) headKept = start;
		} else if ((buffer[start] === 0x2d && buffer[start + 1] === 0x2d && ++boundaries > MAX_PARSE_BOUNDARIES) || ++bodyLines > MAX_PARSE_LINES) {
			// "--boundary" (RFC 2046 §5.1.1) at a line start
			end = start;
			break;
		}
		if (newline < 0) break;
		start = newline + 1;
	}
	if (headKept < 0) return buffer.subarray(0, end);
	// header lines past the first 1,000 are left out; the blank line and the body are kept
	return bodyStart < 0 ? buffer.subarray(0, headKept) : Buffer.concat([buffer.subarray(0, headKept), buffer.subarray(bodyStart, end)]);
}

/** The text and HTML of a message mailparser refused: its first text/plain and text/html leaves. */
function walkedBodies(parts: readonly MimePart[]): { text: string; html?: string } {
	const leaf = (type: string): MimePart | undefined =>
		parts.find((part) => part.contentType === type && !/^attachment/i.test(headerValue(part.headers, 'content-disposition') ?? ''));
	return { text: leaf('text/plain')?.body ?? '', html: leaf('text/html')?.body };
}

/**
 * Parses one raw message (RFC 5322, CRLF or LF line ends). Never throws: malformed MIME is read as far
 * as it goes, and a message mailparser refuses is read by our own header reader and MIME walker.
 */
export async function parseMessage(raw: Buffer | string): Promise<MailFacts> {
	const buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
	const binary = buffer.toString('latin1');
	const { head } = splitHeaderBody(binary);
	const headers = parseHeaderBlock(head);
	const parts = walkMime(binary);
	const top = parseContentType(headerValue(headers, 'content-type'));
	const report = parts.find((part) => part.contentType === 'multipart/report');
	const returnPathRaw = headerValue(headers, 'return-path');
	const returnPath = returnPathRaw === undefined ? undefined : (/<([^<>]{0,998})>/.exec(returnPathRaw)?.[1] ?? returnPathRaw).trim().toLowerCase();
	const common = {
		headers,
		rawHeaders: head,
		returnPath,
		contentType: top.type,
		reportType: report?.params['report-type']?.toLowerCase(),
		parts,
	};
	const input = parserInput(buffer);
	let parsed: ParsedMail;
	try {
		parsed = await simpleParser(input, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
	} catch {
		return { ...common, ...headerFacts(headers), ...walkedBodies(parts) };
	}
	const readable = parsed.text?.trim() || typeof parsed.html === 'string';
	const walked = readable || input.length === buffer.length ? undefined : walkedBodies(parts);
	return {
		...common,
		messageId: parsed.messageId,
		inReplyTo: parsed.inReplyTo,
		references: splitMessageIds(headerValue(headers, 'references')),
		subject: parsed.subject ?? '',
		from: firstAddress(parsed.from),
		to: allAddresses(parsed.to),
		replyTo: firstAddress(parsed.replyTo),
		date: parsed.date,
		...(walked && (walked.text || walked.html)
			? walked
			: {
					// Malformed MIME (a "boundary=" parameter on an unindented line, as Verizon and Apache James
					// write it) leaves mailparser with no text; the raw body still reads fine for the rules.
					text: readable ? (parsed.text ?? '') : rawBodyText(binary),
					html: typeof parsed.html === 'string' ? parsed.html : undefined,
				}),
	};
}
