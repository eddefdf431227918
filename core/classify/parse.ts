/**
 * Raw message → `MailFacts`. The trigger calls this on the source fetched over IMAP, the eval command on
 * `.eml` files; both then call `classify`. mailparser decodes the readable text and addresses; our own
 * walker (`mime.ts`) keeps every part, so multipart/report's machine-readable parts stay reachable.
 */
import { simpleParser, type AddressObject } from 'mailparser';
import { splitMessageIds } from '../mail/message-id';
import { headerValue, parseContentType, parseHeaderBlock, splitHeaderBody, walkMime } from './mime';
import type { MailAddress, MailFacts } from './types';

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

/** Parses one raw message (RFC 5322, CRLF or LF line ends). Never throws on malformed MIME. */
export async function parseMessage(raw: Buffer | string): Promise<MailFacts> {
	const buffer = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
	const binary = buffer.toString('latin1');
	const { head } = splitHeaderBody(binary);
	const headers = parseHeaderBlock(head);
	const parsed = await simpleParser(buffer, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
	const parts = walkMime(binary);
	const top = parseContentType(headerValue(headers, 'content-type'));
	const report = parts.find((part) => part.contentType === 'multipart/report');
	const returnPathRaw = headerValue(headers, 'return-path');
	const returnPath = returnPathRaw === undefined ? undefined : (/<([^<>]*)>/.exec(returnPathRaw)?.[1] ?? returnPathRaw).trim().toLowerCase();
	return {
		headers,
		rawHeaders: head,
		messageId: parsed.messageId,
		inReplyTo: parsed.inReplyTo,
		references: splitMessageIds(headerValue(headers, 'references')),
		subject: parsed.subject ?? '',
		from: firstAddress(parsed.from),
		to: allAddresses(parsed.to),
		replyTo: firstAddress(parsed.replyTo),
		date: parsed.date,
		returnPath,
		contentType: top.type,
		reportType: report?.params['report-type']?.toLowerCase(),
		// Malformed MIME (a "boundary=" parameter on an unindented line, as Verizon and Apache James
		// write it) leaves mailparser with no text; the raw body still reads fine for the rules.
		text: parsed.text?.trim() || typeof parsed.html === 'string' ? (parsed.text ?? '') : rawBodyText(binary),
		html: typeof parsed.html === 'string' ? parsed.html : undefined,
		parts,
	};
}
