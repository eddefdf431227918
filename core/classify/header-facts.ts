/**
 * The header facts of a message read straight from its header block, without mailparser: for the
 * messages mailparser refuses (more than 1,000 MIME parts, a header block over 1 MiB) and for the
 * fallback when a message could not be read in time. Bounded and linear; never throws.
 */
import { splitMessageIds } from '../mail/message-id';
import { findAddresses, findLooseAddresses } from './address-scan';
import { capText, MAX_PATTERN_HEADER, MAX_RECIPIENTS } from './limits';
import { headerValue, headerValues } from './mime';
import type { HeaderField, MailAddress, MailFacts } from './types';

/** The fields `headerFacts` fills. */
export type HeaderFacts = Pick<MailFacts, 'messageId' | 'inReplyTo' | 'references' | 'subject' | 'from' | 'to' | 'replyTo' | 'date'>;

/** RFC 2047 encoded-word: `=?charset?B?…?=` or `=?charset?Q?…?=`, optionally with RFC 2231 `*lang`. */
const ENCODED_WORD = /=\?([^?\s*]{1,40})(?:\*[^?\s]{0,20})?\?([bq])\?([^?\s]{0,998})\?=/gi;

function decodeWord(charset: string, encoding: string, text: string): string | undefined {
	let bytes: Buffer;
	if (encoding.toLowerCase() === 'b') bytes = Buffer.from(text, 'base64');
	else bytes = Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
	try {
		return new TextDecoder(charset.toLowerCase()).decode(bytes);
	} catch {
		return undefined;
	}
}

/** Decodes RFC 2047 encoded-words; white space between two of them is dropped (§6.2). */
export function decodeEncodedWords(value: string): string {
	let result = '';
	let last = 0;
	let lastWasWord = false;
	for (const match of value.matchAll(ENCODED_WORD)) {
		const index = match.index ?? 0;
		const between = value.slice(last, index);
		const decoded = decodeWord(match[1], match[2], match[3]);
		if (!(lastWasWord && decoded !== undefined && between.trim() === '')) result += between;
		result += decoded ?? match[0];
		last = index + match[0].length;
		lastWasWord = decoded !== undefined;
	}
	return result + value.slice(last);
}

/** The first mailbox of an address header: its address (lower case) and display name. */
function firstMailbox(value: string | undefined): MailAddress | undefined {
	if (value === undefined) return undefined;
	const field = capText(value, MAX_PATTERN_HEADER);
	const address = findAddresses(field, 1)[0]?.address ?? findLooseAddresses(field, 1)[0];
	if (!address) return undefined;
	const bracket = field.indexOf('<');
	const name = bracket > 0 ? decodeEncodedWords(field.slice(0, bracket)).trim().replace(/^"(.*)"$/, '$1') : '';
	return { address: address.replace(/^<|>$/g, '').toLowerCase(), name };
}

function firstMessageId(value: string | undefined): string | undefined {
	return value === undefined ? undefined : splitMessageIds(capText(value, MAX_PATTERN_HEADER))[0];
}

function parseDate(value: string | undefined): Date | undefined {
	if (value === undefined) return undefined;
	const date = new Date(capText(value, 200));
	return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Reads the header facts from already unfolded header fields (`parseHeaderBlock`). */
export function headerFacts(headers: readonly HeaderField[]): HeaderFacts {
	const to = headerValues(headers, 'to')
		.flatMap((value) => findAddresses(value, MAX_RECIPIENTS))
		.slice(0, MAX_RECIPIENTS)
		.map((span) => ({ address: span.address.toLowerCase(), name: '' }));
	return {
		messageId: firstMessageId(headerValue(headers, 'message-id')),
		inReplyTo: firstMessageId(headerValue(headers, 'in-reply-to')),
		references: splitMessageIds(headerValue(headers, 'references')),
		subject: decodeEncodedWords(capText(headerValue(headers, 'subject') ?? '', MAX_PATTERN_HEADER)).trim(),
		from: firstMailbox(headerValue(headers, 'from')),
		to,
		replyTo: firstMailbox(headerValue(headers, 'reply-to')),
		date: parseDate(headerValue(headers, 'date')),
	};
}
