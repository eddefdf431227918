/**
 * Headers first: what a few header fields of an inbound message say about whether it can belong to a
 * sequence, before its body is read. The ledger reader fetches only these fields for every new message
 * and the full source only for candidates:
 *
 * - threaded: In-Reply-To/References carry one of our Message-IDs (replies, most auto-replies);
 * - report-like: the message looks machine-made (null Return-Path, a report or message/* type, a
 *   daemon-like sender, an Auto-Submitted or X-Failed-Recipients header, a bounce-like subject), so our
 *   id may sit in its body (a DSN's returned headers, a complaint's returned message);
 * - and, for each run, mail from one of the run's prospects (a reply that breaks the thread), found by
 *   the sender's hash.
 *
 * A message that is none of these (a human forwarding our email as an attachment to someone else, who
 * then writes from another address) is not read; neither is it on a mailbox of any size.
 */
import { headerValue, headerValues, parseContentType, parseHeaderBlock } from '../classify/mime';
import { ledgerAddress, sequenceRefsIn, type SequenceMessageRef } from '../mail/message-id';

/** The header fields the first pass fetches (IMAP `BODY.PEEK[HEADER.FIELDS (…)]`). */
export const CANDIDATE_HEADER_FIELDS = ['from', 'subject', 'in-reply-to', 'references', 'return-path', 'content-type', 'auto-submitted', 'x-failed-recipients'] as const;

/** What the first pass keeps of a message. */
export interface HeaderDigest {
	/** Sender address, ledger form; '' when none could be read. */
	from: string;
	/** Our Message-IDs in In-Reply-To/References (any sequence), most recent first. */
	refs: SequenceMessageRef[];
	/** The body may carry our ids: read it if the message is not threaded. */
	reportLike: boolean;
}

// RFC 5321 §4.5.5 / RFC 3834 §5: notifications come from the postmaster or a MAILER-DAEMON-like sender.
const DAEMON_LOCAL_PART = /^(?:mailer[-_.]?daemon|post[-_.]?master|mail[-_.]?delivery|mailerdaemon|bounces?|mdaemon|mail[-_.]?admin|nobody)\b|^bounce[-+.]/i;
const DAEMON_NAME = /mail(?:er)? ?daemon|mail delivery|postmaster|delivery status/i;
// Subjects of non-delivery reports (Postfix, qmail, Exim, Sendmail, Gmail, Exchange EN/DE/FR/ES/NL/IT/PT)
const REPORT_SUBJECT = /undeliver|returned mail|returned to sender|delivery (?:status|failure|failed|has failed|report|notification|problem)|failure notice|mail delivery failed|unzustellbar|nicht zustellbar|non remis|no se puede entregar|onbestelbaar|non recapitat|não entregue/i;

/** The address in a From or Return-Path value: inside the last `<…>`, else the bare value. */
export function headerAddress(value: string | undefined): string {
	if (!value) return '';
	const close = value.lastIndexOf('>');
	const open = close === -1 ? -1 : value.lastIndexOf('<', close);
	const bare = open === -1 ? value.replace(/\([^()]*\)/g, ' ').trim().split(/\s+/).find((t) => t.includes('@')) ?? '' : value.slice(open + 1, close);
	return ledgerAddress(bare);
}

/** The first pass over a message's header fields (the block the server returned for CANDIDATE_HEADER_FIELDS). */
export function digestHeaders(block: string): HeaderDigest {
	const fields = parseHeaderBlock(block);
	const fromValue = headerValue(fields, 'from');
	const from = headerAddress(fromValue);
	const refs = [...sequenceRefsIn(headerValue(fields, 'in-reply-to')), ...sequenceRefsIn(headerValues(fields, 'references').join(' '))];
	const returnPath = headerValue(fields, 'return-path');
	const type = parseContentType(headerValue(fields, 'content-type')).type;
	const autoSubmitted = headerValue(fields, 'auto-submitted')?.trim().toLowerCase();
	const fromName = fromValue && fromValue.includes('<') ? fromValue.slice(0, fromValue.lastIndexOf('<')) : '';
	const reportLike =
		(returnPath !== undefined && /^<\s*>$/.test(returnPath.trim())) ||
		type === 'multipart/report' ||
		type.startsWith('message/') ||
		(autoSubmitted !== undefined && autoSubmitted !== '' && !autoSubmitted.startsWith('no')) ||
		headerValue(fields, 'x-failed-recipients') !== undefined ||
		DAEMON_LOCAL_PART.test(from.split('@')[0] ?? '') ||
		DAEMON_NAME.test(fromName) ||
		REPORT_SUBJECT.test(headerValue(fields, 'subject') ?? '');
	return { from, refs, reportLike };
}

/** 32-bit FNV-1a of an address: the inbound index keeps only this per message to find a prospect's mail. */
export function addressHash(address: string): number {
	let hash = 0x811c9dc5;
	for (let i = 0; i < address.length; i++) {
		hash ^= address.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash >>> 0;
}
