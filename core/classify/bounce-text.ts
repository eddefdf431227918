/**
 * Bounces that are not RFC 3464 reports: qmail, Exim, old Sendmail, Domino/Notes, Exchange 2003,
 * webmail providers and relay services write their own prose. We recognise them by who sends them and
 * what they say, then read the failed recipients and the server's error line out of the prose.
 */
import { cleanAddress } from './dsn';
import type { MailFacts } from './types';

// RFC 3834 §5 / RFC 5321 §4.5.5: notifications come from the postmaster or a MAILER-DAEMON-like sender.
const DAEMON_SENDER = /^(?:mailer[-_]?daemon|post[-_]?master|mail[-_.]?delivery[-_.]?(?:subsystem|system)?|mailerdaemon|bounces?|mdaemon|nobody|noreply-dmarc|mail[-_.]?admin|root|symantec_antivirus|mmdf)\b|^bounce[-+.]/i;
const DAEMON_NAME = /mail(?:er)? ?daemon|mail delivery (?:subsystem|system|service)|postmaster|internet mail delivery|system administrator|mail administrator|delivery ?status/i;

/**
 * Subjects of non-delivery reports, in the languages MTAs localise them to.
 * "Undelivered Mail Returned to Sender" (Postfix), "failure notice" (qmail), "Mail delivery failed:
 * returning message to sender" (Exim), "Returned mail: see transcript for details" (Sendmail),
 * "Delivery Status Notification (Failure)" (Gmail, Exchange), "Undeliverable: …" (Exchange/Outlook),
 * "Unzustellbar: …" (Exchange DE), "Non remis : …" (Exchange FR), "No se puede entregar: …" (ES).
 */
const BOUNCE_SUBJECT = /undeliver(?:ed|able)|returned (?:mail|to sender)|mail (?:delivery )?(?:failed|failure)|delivery (?:status notification|failure|has failed|has been delayed|report|notification|problem|status)|failure notice|failed delivery|permanent delivery failure|(?:could|can)(?:n't| ?not) (?:be )?(?:send|sent|deliver)|mail system error|delivery (?:error|failed)|message (?:delivery )?(?:has )?failed|nondeliver|non-deliver|postmaster notify|notice: mail delivery|warning: (?:could not send|message .* delayed)|delayed mail|error sending your mail|sorry, your message|unzustellbar|nicht zustellbar|non remis|non distribuable|échec de (?:la )?remise|no se puede entregar|no entregado|onbestelbaar|niet bezorgd|impossibile recapitare|non recapitat|não (?:foi possível )?entreg|n[aã]o entregue|mail failure|blocked by our bulk email filter|are not (?:a )?member|errors from|недоставлен|не доставлено|メールエラー|配信エラー/i;

/** Body wording that only non-delivery reports use. Each alternative quotes a real MTA's phrasing. */
const BOUNCE_BODY = new RegExp(
	[
		// qmail: "I'm afraid I wasn't able to deliver your message to the following addresses."
		"wasn't able to deliver your message",
		// Exim: "A message that you sent could not be delivered to one or more of its recipients."
		'could not be delivered to one or more',
		// Postfix: "I'm sorry to have to inform you that your message could not be delivered"
		'your message could not be delivered',
		// Gmail: "Delivery to the following recipient failed permanently:"
		'delivery to the following recipients? (?:failed|has been delayed)',
		// Sendmail: "The original message was received at … ----- The following addresses had permanent fatal errors -----"
		'following addresses had (?:permanent fatal|transient non-fatal) errors',
		'this is a permanent error',
		'message (?:was )?(?:could not|cannot|can\'t) be delivered',
		'(?:could not|unable to|cannot) deliver (?:your |the )?(?:message|mail)',
		'(?:was|were|has|have) not been delivered',
		'delivery has failed to these recipients',
		'delivery (?:to|of) .{0,60} (?:has )?failed',
		'message (?:was )?undeliverable',
		'(?:returned|undeliverable) (?:mail|message)',
		'your message (?:to .{0,80})?(?:was|has been) (?:rejected|blocked|returned)',
		'user unknown',
		'mailbox (?:is )?(?:full|unavailable)',
		'smtp error from remote',
		'permanent(?:ly)? (?:error|failure|failed)',
		'temporary (?:error|failure)',
		'delivery (?:status notification|report)',
		'mail delivery (?:failed|failure|system|subsystem)',
		'giving up on',
		// Exchange 2003: "Your message … did not reach the following recipient(s):"
		'did not reach the following recipient',
		// Postfix/Sendmail: "Transcript of session follows."
		'transcript of session follows',
		// Verizon/James: "Error: Invalid user address … 550 - Requested action not taken: no such user here"
		'no such user|invalid (?:user|recipient) address',
		// fml and other list managers rejecting a non-member's post
		'you are not a member of this (?:mailing )?list',
		'ne peut pas être remis|n\'a pas pu être remis|konnte nicht zugestellt werden|no se pudo entregar|kon niet worden bezorgd|non è stato possibile recapitare|não foi possível entregar|не может быть доставлено',
	].join('|'),
	'i',
);

/** Whether the message reads as a non-delivery report even without a multipart/report structure. */
export function looksLikeBounce(facts: MailFacts, bodyText: string): { bounce: boolean; why: string } {
	const from = facts.from?.address ?? '';
	const local = from.split('@')[0] ?? '';
	const daemon = DAEMON_SENDER.test(local) || DAEMON_NAME.test(facts.from?.name ?? '') || (!from && !facts.from?.name);
	const subject = BOUNCE_SUBJECT.test(facts.subject);
	const body = BOUNCE_BODY.test(bodyText.slice(0, 6000));
	const nullSender = facts.returnPath === '';
	const replyPrefix = /^\s*(?:re|aw|sv|antw|r|rif|res|fw|fwd|wg|tr)\s*:/i.test(facts.subject);
	if (daemon && (subject || body)) return { bounce: true, why: 'sender' };
	if (subject && body && !replyPrefix) return { bounce: true, why: 'subject' };
	if (subject && nullSender) return { bounce: true, why: 'subject' };
	if (body && nullSender && !replyPrefix) return { bounce: true, why: 'body' };
	return { bounce: false, why: '' };
}

/**
 * Lines where the returned original starts. Everything below is the original message, whose own
 * addresses must not be taken for failed recipients.
 */
const RETURNED_MARKER = new RegExp(
	[
		// Exim: "------ This is a copy of the message, including all the headers. ------"
		'^-+ ?this is a copy of (?:the|your) message',
		// Gmail: "----- Original message -----", Sendmail: "----- Original message follows -----"
		'^-+ ?original message',
		// qmail: "--- Below this line is a copy of the message."
		'^-+ ?below this line is a copy',
		'^-+ ?(?:returned|original|rejected|unsent) (?:message|mail|text|headers)',
		'^-+ ?(?:the )?(?:header|headers) (?:of|from) (?:the )?original',
		'^-+ ?message (?:header|headers) follow',
		'^-+ ?(?:start of )?(?:a copy of the )?(?:message|headers) (?:follows?|returned)',
		'^-+ ?forwarded message',
		'^original message headers:',
		'^-+ ?the original message',
	].join('|'),
	'im',
);

/** The report prose only, without the returned original. */
export function reportProse(text: string): string {
	const marker = RETURNED_MARKER.exec(text);
	let prose = marker ? text.slice(0, marker.index) : text;
	// A returned header block with no marker: "Return-Path: …" / "Received: from …" at a line start.
	const headerStart = /^(?:return-path|received|dkim-signature|x-received|message-id|mime-version):[ \t]/im.exec(prose);
	if (headerStart && headerStart.index > 40) prose = prose.slice(0, headerStart.index);
	return prose;
}

const ADDRESS = "[\\w.!#$%&'*+/=?^`{|}~-]+@[\\w-]+(?:\\.[\\w-]+)+";
const ANY_ADDRESS = new RegExp(`<?(${ADDRESS})>?`, 'g');

/** Patterns naming a failed recipient, strongest first; group 1 is the address. */
const RECIPIENT_PATTERNS: readonly RegExp[] = [
	// Exim/Postfix transcript: "after RCPT TO:<kijitora@example.jp>:"
	new RegExp(`RCPT TO:\\s*<?(${ADDRESS})>?`, 'gi'),
	// qmail / Postfix: "<kijitora@example.ne.jp>:" alone at the start of a line
	new RegExp(`^[ \\t]*<(${ADDRESS})>:?`, 'gim'),
	// Exim / Gmail: the address alone, indented, on its own line: "  kijitora@example.ed.jp"
	new RegExp(`^[ \\t]*(${ADDRESS})[ \\t]*:?[ \\t]*$`, 'gim'),
	// Exchange 2003: "kijitora@example.jp on Thu, 29 Apr 2010 00:00:00 -0000"
	new RegExp(`^[ \\t]*(${ADDRESS})[ \\t]+on[ \\t]+\\w{3},`, 'gim'),
	// Sendmail: "<kijitora@example.jp>... User unknown"
	new RegExp(`<(${ADDRESS})>\\.\\.\\.`, 'gi'),
	// Text copies of RFC 3464 fields: "Final-Recipient: rfc822; kijitora@example.jp"
	new RegExp(`(?:final|original)-recipient:\\s*(?:rfc822;)?\\s*<?(${ADDRESS})>?`, 'gi'),
	// "Your message to <x@y> was…", "could not be delivered to: x@y", "Recipient: x@y", "Destinataire : x@y"
	new RegExp(
		`(?:\\bto|recipients?|address(?:es)?|destinataire|empf[aä]nger|destinatario|ontvanger|adres|endere[cç]o)\\s*(?:address)?\\s*:?\\s*<?(${ADDRESS})>?`,
		'gi',
	),
];

/** Addresses that are never the failed recipient: the daemon itself, the sender, the reporting system. */
function excluded(facts: MailFacts): Set<string> {
	const set = new Set<string>();
	if (facts.from?.address) set.add(facts.from.address);
	for (const to of facts.to) set.add(to.address);
	if (facts.returnPath) set.add(facts.returnPath);
	return set;
}

function isSystemAddress(address: string): boolean {
	return /^(?:mailer-daemon|postmaster|abuse|noreply|no-reply|root)@/i.test(address);
}

/** One recipient found in bounce prose, with the lines that talk about it. */
export interface ProseRecipient {
	address: string;
	/** The lines following the first strong mention, up to the next recipient or blank paragraph. */
	context: string;
}

/** The failed recipients named in the report prose, in order of appearance. */
export function recipientsInProse(facts: MailFacts, prose: string): ProseRecipient[] {
	const skip = excluded(facts);
	// "MAIL FROM:<shironeko@example.jp>" and "envelope-from" name the sender, not a recipient.
	const senderMentions = new Set<string>();
	for (const match of prose.matchAll(new RegExp(`(?:MAIL FROM:|envelope-from|from:?)\\s*<?(${ADDRESS})>?`, 'gi'))) {
		senderMentions.add(match[1].toLowerCase());
	}
	const found = new Map<string, number>();
	for (const pattern of RECIPIENT_PATTERNS) {
		for (const match of prose.matchAll(pattern)) {
			const address = cleanAddress(match[1]);
			if (skip.has(address) || isSystemAddress(address)) continue;
			if (senderMentions.has(address) && !/RCPT TO/i.test(match[0])) continue;
			const index = match.index ?? 0;
			if (!found.has(address) || (found.get(address) ?? 0) > index) found.set(address, index);
		}
		if (found.size > 0 && pattern === RECIPIENT_PATTERNS[5]) break;
	}
	if (found.size === 0) {
		for (const match of prose.matchAll(ANY_ADDRESS)) {
			const address = cleanAddress(match[1]);
			if (skip.has(address) || isSystemAddress(address) || senderMentions.has(address)) continue;
			if (!found.has(address)) found.set(address, match.index ?? 0);
		}
	}
	const ordered = [...found.entries()].sort((a, b) => a[1] - b[1]);
	const lower = prose.toLowerCase();
	return ordered.map(([address, index]) => {
		const lineStart = prose.lastIndexOf('\n', index) + 1;
		const lineEnd = lower.indexOf('\n', index);
		const line = prose.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
		// Sendmail's summary line is one complete statement; the transcript lines after it belong to the
		// next recipient: "554 <kijitora@example.edu>... Remote protocol error" / "550 example.or.jp (smtp)... 550 Host unknown"
		if (new RegExp(`^\\s*[245]\\d\\d <${escapeRegExp(address)}>\\.\\.\\.\\s*\\S`, 'i').test(line)) return { address, context: line };
		// The block ends where another failed recipient is named again — also in a second copy of the
		// list (Mail.ru repeats Exim's report in Russian and English: "  mikeneko@…" / "  sabineko@…" twice).
		let end = prose.length;
		const from = lineEnd < 0 ? prose.length : lineEnd;
		for (const [other] of ordered) {
			if (other === address) continue;
			const next = new RegExp(`^[ \\t]*<?${escapeRegExp(other)}`, 'im').exec(prose.slice(from));
			if (next) end = Math.min(end, from + next.index);
		}
		return { address, context: prose.slice(lineStart, Math.max(end, lineStart + 1)) };
	});
}

function escapeRegExp(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Enhanced status code (RFC 3463) in a text, e.g. "550 5.1.1 <x>… User unknown" → `5.1.1`. */
export function findStatus(text: string): string | undefined {
	// Transcripts also carry the successful "250 2.1.5 Ok" lines; only failures count.
	const codes = [...text.matchAll(/(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)/g)].map((m) => `${m[1]}.${m[2]}.${m[3]}`);
	// "5.0.0" is often the MTA's generic wrapper around a more specific code from the remote server.
	return codes.find((code) => !/^[45]\.0\.0$/.test(code)) ?? codes[0];
}

/** SMTP reply code (RFC 5321 §4.2) at the start of a server line, e.g. `550`. */
export function findReplyCode(text: string): string | undefined {
	return /(?:^|[\s:;'"([])([45][0-5]\d)(?:[ -:]|$)/m.exec(text)?.[1];
}

/**
 * A bounce forwarded by a person ("Fwd: Returned mail: see transcript for details"): returns the
 * forwarded report's body, unquoted, when the forwarded header block names a mail daemon as sender.
 *
 *   Begin forwarded message:
 *   > From: Mail Delivery Subsystem <MAILER-DAEMON>
 */
export function forwardedBounceBody(facts: MailFacts, text: string): string | undefined {
	if (!/^\s*(?:fwd?|wg|tr|rv|i)\s*:/i.test(facts.subject)) return undefined;
	const unquoted = text.replace(/^>[ \t]?/gm, '');
	const from = /^From:[ \t]*(.*)$/im.exec(unquoted);
	if (!from) return undefined;
	const name = from[1];
	const address = /[\w.+-]+(?:@[\w.-]+)?/.exec(name.replace(/^.*</, ''))?.[0] ?? '';
	if (!DAEMON_SENDER.test(address) && !DAEMON_NAME.test(name)) return undefined;
	const afterHeaders = /\n[ \t]*\n/.exec(unquoted.slice(from.index));
	const body = afterHeaders ? unquoted.slice(from.index + afterHeaders.index + afterHeaders[0].length) : unquoted;
	return BOUNCE_BODY.test(body) ? body : undefined;
}
