/**
 * Bounces that are not RFC 3464 reports: qmail, Exim, old Sendmail, Domino/Notes, Exchange 2003,
 * webmail providers and relay services write their own prose. We recognise them by who sends them and
 * what they say, then read the failed recipients and the server's error line out of the prose.
 */
import { findAddresses, type AddressSpan } from './address-scan';
import { cleanAddress } from './dsn';
import { capText, MAX_PATTERN_HEADER, MAX_RECIPIENTS } from './limits';
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
const BOUNCE_SUBJECT = /undeliver(?:ed|able)|returned (?:mail|to sender)|mail (?:delivery )?(?:failed|failure)|delivery (?:status notification|failure|has failed|has been delayed|report|notification|problem|status)|failure notice|failed delivery|permanent delivery failure|(?:could|can)(?:n't| ?not) (?:be )?(?:send|sent|deliver)|mail system error|delivery (?:error|failed)|message (?:delivery )?(?:has )?failed|nondeliver|non-deliver|postmaster notify|notice: mail delivery|warning: (?:could not send|message .{0,200} delayed)|delayed mail|error sending your mail|sorry, your message|unzustellbar|nicht zustellbar|non remis|non distribuable|échec de (?:la )?remise|no se puede entregar|no entregado|onbestelbaar|niet bezorgd|impossibile recapitare|non recapitat|não (?:foi possível )?entreg|n[aã]o entregue|mail failure|blocked by our bulk email filter|are not (?:a )?member|errors from|недоставлен|не доставлено|メールエラー|配信エラー/i;

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

/** Whether the sender is a mail system (MAILER-DAEMON, postmaster, "Mail Delivery System", no From at all). */
export function fromMailSystem(facts: MailFacts): boolean {
	const from = facts.from?.address ?? '';
	const local = from.split('@')[0] ?? '';
	return DAEMON_SENDER.test(local) || DAEMON_NAME.test(capText(facts.from?.name ?? '', MAX_PATTERN_HEADER)) || (!from && !facts.from?.name);
}

/** Whether the subject is one a non-delivery report uses. */
export function bounceSubject(subject: string): boolean {
	return BOUNCE_SUBJECT.test(capText(subject, MAX_PATTERN_HEADER));
}

/** Whether the report's opening text (first 6,000 characters) uses wording only non-delivery reports use. */
export function bounceBody(bodyText: string): boolean {
	return BOUNCE_BODY.test(bodyText.slice(0, 6000));
}

/**
 * Lines where the returned original starts. Everything below is the original message, whose own
 * addresses must not be taken for failed recipients.
 */
const RETURNED_MARKER = new RegExp(
	[
		// Exim: "------ This is a copy of the message, including all the headers. ------"
		'^-{1,80} ?this is a copy of (?:the|your) message',
		// Gmail: "----- Original message -----", Sendmail: "----- Original message follows -----"
		'^-{1,80} ?original message',
		// qmail: "--- Below this line is a copy of the message."
		'^-{1,80} ?below this line is a copy',
		'^-{1,80} ?(?:returned|original|rejected|unsent) (?:message|mail|text|headers)',
		'^-{1,80} ?(?:the )?(?:header|headers) (?:of|from) (?:the )?original',
		'^-{1,80} ?message (?:header|headers) follow',
		'^-{1,80} ?(?:start of )?(?:a copy of the )?(?:message|headers) (?:follows?|returned)',
		'^-{1,80} ?forwarded message',
		'^original message headers:',
		'^-{1,80} ?the original message',
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

/** Where a report names an address, and the text just before it (prefix patterns end at the address). */
interface Mention {
	span: AddressSpan;
	/** The cleaned address (lower case, no brackets). */
	address: string;
	lineStart: number;
	lineEnd: number;
	/** Whether only spaces, tabs and one "<" stand between the line start and the address. */
	leadsLine: boolean;
}

/** How far before an address its prefix ("RCPT TO:", "Final-Recipient: rfc822;", "to") is looked for. */
const PREFIX_WINDOW = 160;

/**
 * Prefixes that introduce a failed recipient, ending where the address starts (`$`: they run on the
 * text just before one address, never on the whole report).
 */
// Exim/Postfix transcript: "after RCPT TO:<kijitora@example.jp>:"
const RCPT_PREFIX = /RCPT TO:\s{0,40}<?$/i;
// Text copies of RFC 3464 fields: "Final-Recipient: rfc822; kijitora@example.jp"
const FIELD_PREFIX = /(?:final|original)-recipient:\s{0,40}(?:rfc822;)?\s{0,40}<?$/i;
// "Your message to <x@y> was…", "could not be delivered to: x@y", "Recipient: x@y", "Destinataire : x@y"
const WORD_PREFIX = /(?:\bto|recipients?|address(?:es)?|destinataire|empf[aä]nger|destinatario|ontvanger|adres|endere[cç]o)\s{0,40}(?:address)?\s{0,40}:?\s{0,40}<?$/i;
// "MAIL FROM:<shironeko@example.jp>" and "envelope-from" name the sender, not a recipient.
const SENDER_PREFIX = /(?:MAIL FROM:|envelope-from|from:?)\s{0,40}<?$/i;

/** Index where `prefix` starts right before the mention's address, or -1. */
function prefixAt(prose: string, mention: Mention, prefix: RegExp): number {
	const windowStart = Math.max(0, mention.span.start - PREFIX_WINDOW);
	const match = prefix.exec(prose.slice(windowStart, mention.span.start));
	return match ? windowStart + match.index : -1;
}

/**
 * The ways a report names a failed recipient, strongest first: each gives the index where the naming
 * starts, or -1.
 */
const RECIPIENT_FORMS: readonly ((prose: string, m: Mention) => number)[] = [
	(prose, m) => prefixAt(prose, m, RCPT_PREFIX),
	// qmail / Postfix: "<kijitora@example.ne.jp>:" alone at the start of a line
	(prose, m) => (m.leadsLine && prose[m.span.start - 1] === '<' && prose[m.span.end] === '>' ? m.lineStart : -1),
	// Exim / Gmail: the address alone, indented, on its own line: "  kijitora@example.ed.jp"
	(prose, m) => {
		if (!m.leadsLine || prose[m.span.start - 1] === '<') return -1;
		const rest = prose.slice(m.span.end, m.lineEnd).trim();
		return rest === '' || rest === ':' ? m.lineStart : -1;
	},
	// Exchange 2003: "kijitora@example.jp on Thu, 29 Apr 2010 00:00:00 -0000"
	(prose, m) =>
		m.leadsLine && prose[m.span.start - 1] !== '<' && /^[ \t]{1,40}on[ \t]{1,40}\w{3},/.test(prose.slice(m.span.end, m.span.end + 100)) ? m.lineStart : -1,
	// Sendmail: "<kijitora@example.jp>... User unknown"
	(prose, m) => (prose[m.span.start - 1] === '<' && prose.startsWith('>...', m.span.end) ? m.span.start - 1 : -1),
	(prose, m) => prefixAt(prose, m, FIELD_PREFIX),
	(prose, m) => prefixAt(prose, m, WORD_PREFIX),
];
/** After this form, a report that named anyone is not searched for the weak "to …" form. */
const LAST_STRONG_FORM = 5;

/** Sorted newline positions of a text, for line starts and ends by binary search. */
function lineIndex(text: string): { start(at: number): number; end(at: number): number } {
	const newlines: number[] = [];
	for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) newlines.push(at);
	/** Index of the first newline at or after `at` (newlines.length when none). */
	const firstFrom = (at: number): number => {
		let low = 0;
		let high = newlines.length;
		while (low < high) {
			const middle = (low + high) >> 1;
			if (newlines[middle] < at) low = middle + 1;
			else high = middle;
		}
		return low;
	};
	return {
		start: (at) => {
			const index = firstFrom(at) - 1;
			return index < 0 ? 0 : newlines[index] + 1;
		},
		end: (at) => {
			const index = firstFrom(at);
			return index < newlines.length ? newlines[index] : text.length;
		},
	};
}

/** Every address in the prose with its line. */
function mentionsIn(prose: string): Mention[] {
	const lines = lineIndex(prose);
	const firstNonBlank = new Map<number, number>();
	return findAddresses(prose).map((span) => {
		const lineStart = lines.start(span.start);
		let first = firstNonBlank.get(lineStart);
		if (first === undefined) {
			first = lineStart;
			while (prose[first] === ' ' || prose[first] === '\t') first++;
			firstNonBlank.set(lineStart, first);
		}
		const leadsLine = first === span.start || (first === span.start - 1 && prose[first] === '<');
		return { span, address: cleanAddress(span.address), lineStart, lineEnd: lines.end(span.end), leadsLine };
	});
}

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

/** Sendmail's summary line: "554 <kijitora@example.edu>... Remote protocol error". */
const SENDMAIL_SUMMARY = /^\s{0,20}[245]\d\d <([^<>]{1,320})>\.\.\.\s{0,20}\S/;

/** The failed recipients named in the report prose, in order of appearance (at most `MAX_RECIPIENTS`). */
export function recipientsInProse(facts: MailFacts, prose: string): ProseRecipient[] {
	const skip = excluded(facts);
	const mentions = mentionsIn(prose);
	const senderMentions = new Set<string>();
	for (const mention of mentions) {
		if (prefixAt(prose, mention, SENDER_PREFIX) >= 0) senderMentions.add(mention.span.address.toLowerCase());
	}
	const found = new Map<string, number>();
	for (const [form, named] of RECIPIENT_FORMS.entries()) {
		for (const mention of mentions) {
			const index = named(prose, mention);
			if (index < 0) continue;
			const address = mention.address;
			if (skip.has(address) || isSystemAddress(address)) continue;
			if (senderMentions.has(address) && form !== 0) continue;
			if (!found.has(address) || (found.get(address) ?? 0) > index) found.set(address, index);
		}
		if (found.size > 0 && form === LAST_STRONG_FORM) break;
	}
	if (found.size === 0) {
		for (const mention of mentions) {
			const address = mention.address;
			if (skip.has(address) || isSystemAddress(address) || senderMentions.has(address)) continue;
			if (!found.has(address)) found.set(address, prose[mention.span.start - 1] === '<' ? mention.span.start - 1 : mention.span.start);
		}
	}
	const ordered = [...found.entries()].sort((a, b) => a[1] - b[1]).slice(0, MAX_RECIPIENTS);
	const named = new Set(ordered.map(([address]) => address));
	// Lines that start with a failed recipient (after blanks and "<"), in order: where another's block begins.
	const blockStarts = mentions.filter((m) => m.leadsLine && named.has(m.address));
	const lines = lineIndex(prose);
	return ordered.map(([address, index]) => {
		const lineStart = lines.start(index);
		const lineEnd = lines.end(index);
		const line = prose.slice(lineStart, lineEnd);
		// Sendmail's summary line is one complete statement; the transcript lines after it belong to the
		// next recipient: "554 <kijitora@example.edu>... Remote protocol error" / "550 example.or.jp (smtp)... 550 Host unknown"
		if (SENDMAIL_SUMMARY.exec(line)?.[1].toLowerCase() === address) return { address, context: line };
		// The block ends where another failed recipient leads a line again — also in a second copy of the
		// list (Mail.ru repeats Exim's report in Russian and English: "  mikeneko@…" / "  sabineko@…" twice).
		const next = blockStarts.find((m) => m.lineStart > lineEnd && m.address !== address);
		const end = next ? next.lineStart : prose.length;
		return { address, context: prose.slice(lineStart, Math.max(end, lineStart + 1)) };
	});
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
	const from = /^From:[ \t]{0,20}(.*)$/im.exec(unquoted);
	if (!from) return undefined;
	const name = from[1];
	const address = /[\w.+-]+(?:@[\w.-]+)?/.exec(name.replace(/^.*</, ''))?.[0] ?? '';
	if (!DAEMON_SENDER.test(address) && !DAEMON_NAME.test(name)) return undefined;
	const afterHeaders = /\n[ \t]*\n/.exec(unquoted.slice(from.index));
	const body = afterHeaders ? unquoted.slice(from.index + afterHeaders.index + afterHeaders[0].length) : unquoted;
	return BOUNCE_BODY.test(body) ? body : undefined;
}

/**
 * Delay warnings: the MTA still holds the message and keeps trying (RFC 3464 "delayed" in prose). Each
 * alternative quotes an MTA:
 *   Sendmail: "**  THIS IS A WARNING MESSAGE ONLY  **" / "**  YOU DO NOT NEED TO RESEND YOUR MESSAGE  **"
 *   Postfix:  "Delayed Mail (still being retried)" / "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #"
 *   Exim:     "Warning: message 1Xyz-0001-AB delayed 24 hours" / "No action is required on your part."
 *   Exchange: "Delivery delayed:" / "Delivery has been delayed to these recipients or groups"
 *   Gmail:    "Delivery Status Notification (Delay)" / "Delivery to the following recipient has been delayed"
 *   Domino, older gateways: "Mail Delivery Warning", "DELIVERY DELAYED", "postponed"
 */
const DELAY_SUBJECT = /\bdelay(?:ed)?\b|still being retried|mail delivery warning|delivery warning|\bwarning: (?:message|could not send)|postponed|verz[öo]gert|retard(?:é|e)e?|diff[ée]r[ée]e|retrasad|vertraagd|ritardat|atrasad|opóźni|försenad|forsinket|viivästy|zpožděn|задерж/i;
const DELAY_BODY = new RegExp(
	[
		'this is a warning (?:message )?only',
		'you do not need to resend',
		'no action is required on your part',
		'(?:has|have) not yet been delivered',
		'delivery attempts will continue',
		'will (?:keep|continue to|continue) (?:try|retry)|will (?:be )?retr(?:y|ied)',
		'still (?:being )?(?:retried|trying)',
		'(?:has been|was|is being|is) (?:postponed|deferred|delayed)',
		'delivery (?:to .{0,200})?(?:has been |is |was )?delayed',
		'could not (?:be )?sen[dt] (?:your )?message for (?:the )?past',
		'mail delivery warning',
		'zustellung (?:wurde |ist )?verzögert|noch nicht zugestellt',
		'remise (?:a été )?(?:différée|retardée)|pas encore (?:été )?(?:remis|distribué)',
		'entrega (?:ha sido |fue )?(?:retrasada|demorada)|todavía no (?:se )?ha (?:sido )?entregado',
		'bezorging is vertraagd|nog niet (?:afgeleverd|bezorgd)',
		'consegna (?:è )?(?:ritardata|posticipata)|non (?:è )?ancora stat[oa] consegnat',
		'entrega (?:foi )?(?:atrasada|adiada)|ainda não (?:foi )?entregue',
	].join('|'),
	'i',
);
/** Wording of a final failure, which a delay warning never carries (Exim's delay says "will give up", not "giving up"). */
const FINAL_FAILURE = /this is a permanent error|permanent(?:ly)? (?:fail|error)|failed permanently|fatal (?:error|delivery)|i've given up|giving up on|gave up|not going to try again|has been returned|could not be delivered to one or more|(?:was|were|has|have) not been delivered|undeliverable|unzustellbar|non remis/i;

/**
 * Whether the message is a delay warning (the MTA keeps trying), and where that shows: `subject` or
 * `body`; undefined when it is not one or when it also reports a final failure.
 */
export function delayWarning(subject: string, bodyText: string): 'subject' | 'body' | undefined {
	const body = bodyText.slice(0, 6000);
	if (FINAL_FAILURE.test(body)) return undefined;
	if (DELAY_BODY.test(body)) return 'body';
	if (DELAY_SUBJECT.test(capText(subject, MAX_PATTERN_HEADER)) && !FINAL_FAILURE.test(subject)) return 'subject';
	return undefined;
}
