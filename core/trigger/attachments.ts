/**
 * Attachments of a raw message, for the "Include Attachments" option (the node turns them into binary
 * properties). Parsed only when asked: most replies have none and the option is off by default.
 *
 * Anyone can mail the watched inbox, so names and types are made safe before they reach n8n (and from
 * there a disk or a browser), and count and size are capped: the message is streamed through mailparser
 * and an attachment over a limit is counted, not kept. What was left out is listed with the reason.
 */
import { MailParser, type AttachmentStream } from 'mailparser';

/** Caps on what one message may add to an item. */
export interface AttachmentLimits {
	/** Most attachments kept per message. Default 10. */
	maxCount: number;
	/** Largest attachment kept, in bytes. Default 10 MiB. */
	maxBytes: number;
	/** Most bytes of attachments kept per message. Default 25 MiB. */
	maxTotalBytes: number;
	/** Longest file name, in characters (the extension is kept). Default 100. */
	maxNameLength: number;
}

export const DEFAULT_ATTACHMENT_LIMITS: AttachmentLimits = {
	maxCount: 10,
	maxBytes: 10 * 1024 * 1024,
	maxTotalBytes: 25 * 1024 * 1024,
	maxNameLength: 100,
};

/** One attachment's bytes and (safe) names. */
export interface MessageAttachment {
	fileName: string;
	contentType: string;
	content: Buffer;
}

/** Why an attachment was left out. */
export type OmittedReason = 'tooMany' | 'tooLarge' | 'totalTooLarge' | 'unreadable';

/** An attachment that was left out. */
export interface OmittedAttachment {
	fileName: string;
	contentType: string;
	/** Decoded size in bytes (as far as it was read). */
	size: number;
	reason: OmittedReason;
}

/** At most this many omitted attachments are listed one by one; `omittedCount` has them all. */
export const MAX_LISTED_OMISSIONS = 50;

/** The attachments of one message. */
export interface MessageAttachments {
	kept: MessageAttachment[];
	/** The first {@link MAX_LISTED_OMISSIONS} left out. */
	omitted: OmittedAttachment[];
	omittedCount: number;
}

// C0 and C1 controls, DEL; bidirectional formatting (U+061C, U+200E/F, U+202A–E, U+2066–9), which can make
// "invoice\u202Efdp.exe" display as "invoiceexe.pdf"; and the byte-order mark / zero-width no-break space
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Removes dots and white space at the end, by a loop: `/[.\s]+$/` re-reads a long run of them from each of its characters. */
function trimTrailingDotsAndSpaces(name: string): string {
	let end = name.length;
	while (end > 0 && /[.\s]/.test(name[end - 1])) end--;
	return name.slice(0, end);
}

/**
 * A file name that is safe to save and to show: the base name only (no directories: `../../.n8n/config`
 * is `config`), without control or bidi characters, without leading dots (no hidden or `..` names) and
 * trailing dots or spaces, at most `maxLength` characters with the extension kept. Empty → `attachment-N`.
 */
export function safeFileName(name: string | undefined, index: number, maxLength: number = DEFAULT_ATTACHMENT_LIMITS.maxNameLength): string {
	const base = (name ?? '').split(/[/\\]/).pop() ?? '';
	const clean = trimTrailingDotsAndSpaces(base.replace(UNSAFE_NAME_CHARACTERS, '').replace(/^[.\s]+/, ''));
	const fallback = `attachment-${index + 1}`;
	if (clean.length === 0) return fallback;
	const chars = [...clean];
	if (chars.length <= maxLength) return clean;
	const dot = clean.lastIndexOf('.');
	const extension = dot > 0 && clean.length - dot <= 10 ? clean.slice(dot) : '';
	const stem = [...clean.slice(0, clean.length - extension.length)].slice(0, Math.max(1, maxLength - [...extension].length));
	return stem.join('') + extension;
}

// RFC 6838 §4.2 type/subtype names
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;

/** Types a browser runs as a page or script: n8n shows binary data in the browser, in its own origin. */
const ACTIVE_TYPES = new Set([
	'text/html',
	'application/xhtml+xml',
	'image/svg+xml',
	'text/xml',
	'application/xml',
	'text/javascript',
	'application/javascript',
	'application/ecmascript',
	'text/ecmascript',
	'application/x-javascript',
	'multipart/x-mixed-replace',
]);

/** The media type as n8n gets it: a well-formed, passive type, else `application/octet-stream`. */
export function safeContentType(type: string | undefined): string {
	const clean = (type ?? '').trim().toLowerCase();
	return MEDIA_TYPE.test(clean) && !ACTIVE_TYPES.has(clean) ? clean : 'application/octet-stream';
}

/** Reads one attachment's stream, keeping its bytes only while it stays within the limits. */
function collect(
	attachment: AttachmentStream,
	index: number,
	limits: AttachmentLimits,
	state: { keptBytes: number; keptCount: number },
): Promise<MessageAttachment | OmittedAttachment> {
	const fileName = safeFileName(attachment.filename, index, limits.maxNameLength);
	const contentType = safeContentType(attachment.contentType);
	let reason: OmittedReason | undefined = state.keptCount >= limits.maxCount ? 'tooMany' : undefined;
	const chunks: Buffer[] = [];
	let size = 0;
	return new Promise((resolve) => {
		let done = false;
		const finish = (failed: boolean) => {
			if (done) return;
			done = true;
			attachment.release?.();
			if (failed) reason = 'unreadable';
			if (reason) return resolve({ fileName, contentType, size, reason });
			state.keptCount += 1;
			state.keptBytes += size;
			resolve({ fileName, contentType, content: Buffer.concat(chunks) });
		};
		attachment.content.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (!reason && size > limits.maxBytes) reason = 'tooLarge';
			else if (!reason && state.keptBytes + size > limits.maxTotalBytes) reason = 'totalTooLarge';
			if (reason) chunks.length = 0;
			else chunks.push(chunk);
		});
		attachment.content.once('end', () => finish(false));
		attachment.content.once('error', () => finish(true));
		// a stream torn down without 'end' (the parser failed half-way) must not leave the read waiting
		attachment.content.once('close', () => finish(true));
	});
}

/**
 * Every attachment (inline images included, as mail clients list them), in document order, within
 * `limits`; never throws (an unreadable message yields what was read, and says so).
 */
export async function readAttachments(raw: Buffer, limits: AttachmentLimits = DEFAULT_ATTACHMENT_LIMITS): Promise<MessageAttachments> {
	const result: MessageAttachments = { kept: [], omitted: [], omittedCount: 0 };
	const state = { keptBytes: 0, keptCount: 0 };
	const omit = (entry: OmittedAttachment) => {
		result.omittedCount += 1;
		if (result.omitted.length < MAX_LISTED_OMISSIONS) result.omitted.push(entry);
	};
	const parser = new MailParser({ skipHtmlToText: true, skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true, checksumAlgo: false });
	let index = 0;
	let current: AttachmentStream | undefined;
	let pending = Promise.resolve();
	await new Promise<void>((resolve) => {
		parser.on('data', (data) => {
			if (data.type !== 'attachment') return;
			current = data;
			const collected = collect(data, index++, limits, state);
			// attachments arrive one at a time (the parser waits for release), so this keeps document order
			pending = pending.then(async () => {
				const entry = await collected;
				if ('content' in entry) result.kept.push(entry);
				else omit(entry);
			});
		});
		parser.once('end', () => resolve());
		parser.once('error', () => {
			current?.content.destroy();
			omit({ fileName: `attachment-${index + 1}`, contentType: 'application/octet-stream', size: 0, reason: 'unreadable' });
			resolve();
		});
		parser.end(raw);
	});
	await pending;
	return result;
}
