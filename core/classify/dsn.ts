/**
 * RFC 3464 delivery-status fields (also RFC 1894, which it replaced): one per-message block, then one
 * block per recipient, separated by blank lines.
 *
 *   Final-Recipient: rfc822; kijitora@example.jp
 *   Action: failed
 *   Status: 5.1.1
 *   Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>... User Unknown
 */
import { capText, MAX_PATTERN_HEADER, MAX_RECIPIENTS } from './limits';
import { headerValue, parseHeaderBlock } from './mime';
import type { MailFacts, MimePart } from './types';

/** One per-recipient block of a delivery-status report. */
export interface DsnRecipientFields {
	/** Final-Recipient (or Original-Recipient when the former is missing), lower-case, no type prefix. */
	address: string;
	originalRecipient?: string;
	/** Action: failed | delayed | delivered | relayed | expanded (lower-case). */
	action?: string;
	/** Status as written, e.g. `5.1.1`. */
	status?: string;
	/** The comment after the Status code: `Status: 5.0.0 (Remote SMTP server has rejected address)`. */
	statusComment?: string;
	/** Diagnostic-Code without its type prefix, e.g. `550 5.1.1 ... User Unknown`. */
	diagnostic?: string;
	remoteMta?: string;
}

/** Strips an RFC 3464 address-type / diagnostic-type prefix: `rfc822; a@b` → `a@b`. */
function stripType(value: string): string {
	const semicolon = value.indexOf(';');
	const typed = semicolon > 0 && /^[\w-]+$/.test(value.slice(0, semicolon).trim());
	return (typed ? value.slice(semicolon + 1) : value).trim();
}

/** An address from a recipient field: `rfc822; <Kijitora@Example.jp>` → `kijitora@example.jp`. */
export function cleanAddress(value: string): string {
	const bare = stripType(capText(value, MAX_PATTERN_HEADER)).replace(/^<|>$/g, '').trim();
	const inner = /<([^<>\s@]{1,255}@[^<>\s]{1,255})>/.exec(bare)?.[1] ?? bare;
	return inner.replace(/^["']|["']$/g, '').toLowerCase();
}

/**
 * Splits a block that holds several recipients without the blank lines RFC 3464 requires between them
 * (AOL's relay writes "Final-Recipient: …" / … / "Diagnostic-Code: …" / "Final-Recipient: …" in one run):
 * a new recipient starts where a recipient field repeats.
 */
function splitRecipientRuns(block: string): string[] {
	const runs: string[] = [];
	let current: string[] = [];
	let seen = new Set<string>();
	for (const line of block.split(/\r?\n/)) {
		const name = /^(final-recipient|original-recipient):/i.exec(line)?.[1].toLowerCase();
		if (name && seen.has(name)) {
			runs.push(current.join('\n'));
			current = [];
			seen = new Set();
		}
		if (name) seen.add(name);
		current.push(line);
	}
	runs.push(current.join('\n'));
	return runs;
}

/**
 * Reads the per-recipient blocks of a delivery-status body. Blocks without a recipient are skipped; at
 * most `MAX_RECIPIENTS` (with their per-message block) are read.
 */
export function parseDeliveryStatus(body: string): DsnRecipientFields[] {
	const blocks = body.split(/\r?\n[ \t]*\r?\n/).flatMap(splitRecipientRuns);
	const recipients: DsnRecipientFields[] = [];
	for (const block of blocks) {
		if (recipients.length >= MAX_RECIPIENTS) break;
		const fields = parseHeaderBlock(block.replace(/^\s*\r?\n/, ''));
		const finalRecipient = headerValue(fields, 'final-recipient');
		const originalRecipient = headerValue(fields, 'original-recipient');
		const addressField = finalRecipient ?? originalRecipient;
		if (!addressField) continue;
		const address = cleanAddress(addressField);
		if (!address.includes('@')) continue;
		const statusField = headerValue(fields, 'status') ?? '';
		const status = /([245]\.\d{1,3}\.\d{1,3})/.exec(statusField)?.[1];
		const statusComment = /\(([^)]{1,500})\)/.exec(capText(statusField, MAX_PATTERN_HEADER))?.[1];
		const diagnostic = headerValue(fields, 'diagnostic-code');
		recipients.push({
			address,
			originalRecipient: originalRecipient ? cleanAddress(originalRecipient) : undefined,
			action: headerValue(fields, 'action')?.toLowerCase().split(/[\s(;]/)[0],
			status,
			statusComment,
			diagnostic: diagnostic ? stripType(diagnostic).replace(/\s+/g, ' ') : undefined,
			remoteMta: headerValue(fields, 'remote-mta'),
		});
	}
	return recipients;
}

/** The machine-readable part of a DSN: `message/delivery-status` (or RFC 6533's global form). */
export function deliveryStatusPart(facts: MailFacts): MimePart | undefined {
	return facts.parts.find(
		(part) => part.contentType === 'message/delivery-status' || part.contentType === 'message/global-delivery-status',
	);
}
