/**
 * The mailbox is the ledger, so a one-click unsubscribe is recorded where every other stop is read from:
 * a short message filed in the sender's INBOX, from the prospect, answering step 1 of the sequence, whose
 * text asks to unsubscribe. The run's ledger and the IMAP Reply Trigger read it like a prospect's own
 * "please unsubscribe" reply (class `unsubscribe`, threaded to our Message-ID), so the stop rule
 * *On Unsubscribe Request* ends the sequence and the trigger tells the CRM. Its Message-ID is
 * deterministic per (sequence, prospect): a second POST (providers retry) finds it and files nothing.
 */
import { prospectHash, sequenceHash, sequenceMessageId } from './message-id';

/** What the record says. */
export interface UnsubscribeRecordInput {
	sequenceKey: string;
	/** The prospect's address as the token carried it (a checked address). */
	prospect: string;
	/** The sender's mailbox: the record's To and the domain of its ids. */
	sender: string;
	/** When the request arrived. */
	date: Date;
	/** How it arrived, for the text: `one-click` (RFC 8058 POST) or `link` (the footer's confirmation page). */
	via: 'one-click' | 'link';
}

/** Header values and text lines are one line each: CR, LF and other controls become spaces. */
function oneLine(value: string, max = 320): string {
	let out = '';
	for (const char of value.slice(0, max)) {
		const code = char.charCodeAt(0);
		out += code < 0x20 || code === 0x7f ? ' ' : char;
	}
	return out.trim();
}

/** RFC 5322 date in UTC, e.g. `Tue, 01 Dec 2026 09:00:00 +0000`. */
function rfc5322Date(date: Date): string {
	return date.toUTCString().replace(/GMT$/, '+0000');
}

/** The record's own Message-ID (with brackets): the same for every request of one prospect in one sequence. */
export function unsubscribeRecordId(sequenceKey: string, prospect: string, sender: string): string {
	const domain = sender.slice(sender.lastIndexOf('@') + 1).toLowerCase();
	return `<unsub.${sequenceHash(sequenceKey)}.${prospectHash(sequenceKey, prospect)}@${domain}>`;
}

/** The record as raw RFC 5322 text with CRLF line ends (ASCII headers; the text part is UTF-8). */
export function unsubscribeRecord(input: UnsubscribeRecordInput): Buffer {
	const domain = input.sender.slice(input.sender.lastIndexOf('@') + 1).toLowerCase();
	const step1 = sequenceMessageId(input.sequenceKey, input.prospect, 1, domain);
	const how = input.via === 'one-click' ? 'the one-click unsubscribe of their mail program (RFC 8058)' : 'the unsubscribe link in the email';
	const lines = [
		`From: <${oneLine(input.prospect)}>`,
		`To: <${oneLine(input.sender)}>`,
		'Subject: Unsubscribe',
		`Date: ${rfc5322Date(input.date)}`,
		`Message-ID: ${unsubscribeRecordId(input.sequenceKey, input.prospect, input.sender)}`,
		`In-Reply-To: ${step1}`,
		`References: ${step1}`,
		'X-Smtp-Sequence-Record: unsubscribe',
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'Content-Transfer-Encoding: 8bit',
		'',
		'Unsubscribe',
		'',
		`${oneLine(input.prospect)} asked to unsubscribe through ${how}.`,
		'The link was signed by the SMTP Sequence node and checked by your unsubscribe webhook, which filed',
		'this note so that the sequence sends them nothing more.',
		'',
	];
	return Buffer.from(lines.join('\r\n'), 'utf8');
}
