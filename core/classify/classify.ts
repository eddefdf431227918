/**
 * One message → one `Classification`: the facts are bounded once, every signal extractor reads them
 * (`signals.ts`), the decision table picks the class (`decision-table.ts`), and the class's details are
 * built here (bounce recipients with status, reason and hard/soft; the reply text; the return date).
 */
import { findAddresses } from './address-scan';
import { bounceReason, isHardBounce } from './bounce-reason';
import { findReplyCode, findStatus, recipientsInProse, reportProse } from './bounce-text';
import { decide, ruleCode, SignalSet, usedSignals } from './decision-table';
import { parseDeliveryStatus, type DsnRecipientFields } from './dsn';
import { htmlToText } from './html-text';
import { capText, MAX_HTML, MAX_PATTERN_HEADER, MAX_RECIPIENT_WORDS, MAX_RECIPIENTS } from './limits';
import { reportingMta, type ReportingMta } from './mta';
import { extractReplyText } from './reply-text';
import type { SesNotification } from './ses-notification';
import {
	autoReplyWordingSignals,
	collectEvidence,
	headerSignals,
	mtaWordingSignals,
	reportSignals,
	returnDateSignals,
	SUCCESS_ACTIONS,
	unsubscribeSignals,
	type Evidence,
} from './signals';
import type { BounceClassification, BounceRecipient, Classification, ComplaintDetails, MailFacts } from './types';

/** The readable body: text/plain, or the HTML as text when there is no plain part; the first `MAX_PATTERN_TEXT` characters. */
export function readableText(facts: MailFacts): string {
	const text = capText(facts.text);
	if (text.trim()) return text.replace(/\r\n?/g, '\n');
	return facts.html ? htmlToText(facts.html, false) : '';
}

/** A status when the message gives none: the reply code's class, else the wording's. */
function inferStatus(text: string, replyCode: string | undefined, action: string | undefined): string {
	if (replyCode) return `${replyCode[0]}.0.0`;
	if (action === 'delayed') return '4.0.0';
	if (/this is a permanent error|permanent(?:ly)? (?:fail|error)|fatal error|i've given up/i.test(text)) return '5.0.0';
	if (/temporar|delayed|deferred|will (?:be )?retr|will keep trying|still trying|not yet been delivered/i.test(text)) return '4.0.0';
	return '5.0.0';
}

/** What a report states about one recipient, beside the prose around it. */
interface StatedFields {
	status?: string;
	action?: string;
	/** The remote server's own answer (Diagnostic-Code), when the report separates it from its prose. */
	diagnostic?: string;
}

/**
 * The enhanced code for one recipient. A specific Status field wins. A generic `X.0.0` Status is
 * refined by the remote server's own answer when that carries a code; only without such an answer do
 * we look at the surrounding prose — where an MTA may print its own mapping (Sendmail rewrites a remote
 * "550 5.0.0 … User unknown" after DATA to its "550 5.1.1 … User unknown" summary line).
 */
function statusFor(words: string, stated: StatedFields): string | undefined {
	if (stated.status && !/^[45]\.0\.0$/.test(stated.status)) return stated.status;
	const fromDiagnostic = stated.diagnostic ? findStatus(stated.diagnostic) : undefined;
	if (fromDiagnostic) return fromDiagnostic;
	return findStatus(words) ?? stated.status;
}

/** Builds one bounce recipient from whatever the report states about it. */
function bounceRecipient(address: string, words: string, stated: StatedFields, mta?: ReportingMta): BounceRecipient {
	const foundStatus = statusFor(capText(words, MAX_RECIPIENT_WORDS), stated);
	const replyCode = findReplyCode(capText(words, MAX_RECIPIENT_WORDS));
	const status = foundStatus ?? inferStatus(capText(words, MAX_RECIPIENT_WORDS), replyCode, stated.action);
	const reason = bounceReason(foundStatus, capText(words, MAX_RECIPIENT_WORDS), mta);
	const diagnostic = capText(words, MAX_RECIPIENT_WORDS).replace(/\s+/g, ' ').trim().slice(0, 500) || undefined;
	return {
		address,
		status,
		statusStated: foundStatus !== undefined,
		// RFC 3464 §2.3.3: "delayed" is not a final failure; the MTA keeps trying.
		final: stated.action !== 'delayed',
		replyCode,
		action: stated.action,
		reason,
		hard: stated.action !== 'delayed' && isHardBounce(reason, status),
		diagnostic,
	};
}

/**
 * A bounce is final when it reports at least one final failure (a report of delays only is not); it is
 * hard when every recipient is a hard bounce.
 */
function bounce(base: Pick<BounceClassification, 'reason' | 'confidence' | 'signals'>, recipients: BounceRecipient[], final: boolean): BounceClassification {
	const isFinal = final && (recipients.length === 0 || recipients.some((r) => r.final));
	return { class: 'bounce', ...base, recipients, final: isFinal, hard: recipients.length > 0 && recipients.every((r) => r.hard) };
}

/**
 * The paragraph of the prose about `address`, for DSNs whose Diagnostic-Code is missing: the lines from
 * the paragraph's start (EZweb puts the cause above the list: "The user(s) account is disabled." /
 * "<x@ezweb.ne.jp>: 550 user unknown") to its end, leaving out lines about the other failed recipients
 * (OpenSMTPD lists them one a line: "a@x: 550 5.1.1 … User unknown" / "b@x: 552 5.2.2 … Mailbox full").
 */
function proseAbout(prose: string, address: string, others: readonly string[]): string {
	const lower = prose.toLowerCase();
	const at = lower.indexOf(address);
	if (at < 0) return '';
	const lineStart = lower.lastIndexOf('\n', at) + 1;
	const before = linesBefore(prose, paragraphStart(prose, lineStart), lineStart, others);
	const after: string[] = [];
	for (const line of prose.slice(lineStart, lineStart + 800).split('\n')) {
		if (after.length > 0 && (/^[ \t]*$/.test(line) || mentionsAny(line, others))) break;
		after.push(line);
	}
	return [...before, ...after].join('\n');
}

/**
 * Start of the paragraph that holds the line starting at `lineStart`: after the last blank line before it
 * (a backwards scan, line by line; a pattern with a "no blank line after this" look-ahead re-reads the
 * rest of the text at every blank line).
 */
function paragraphStart(text: string, lineStart: number): number {
	let end = lineStart - 1;
	while (end > 0) {
		const start = text.lastIndexOf('\n', end - 1) + 1;
		if (start > 0 && /^[ \t]*$/.test(text.slice(start, end))) return start;
		end = start - 1;
	}
	return 0;
}

/**
 * The last three lines of `text.slice(start, end)` (the piece after the last newline counts as one) that
 * name none of `others`, in order; looks at 100 lines at most.
 */
function linesBefore(text: string, start: number, end: number, others: readonly string[]): string[] {
	const kept: string[] = [];
	let lineEnd = end;
	for (let looked = 0; looked < 100 && kept.length < 3; looked++) {
		const lineStart = lineEnd > start ? Math.max(start, text.lastIndexOf('\n', lineEnd - 1) + 1) : start;
		const line = text.slice(lineStart, lineEnd);
		if (!mentionsAny(line, others)) kept.unshift(line);
		if (lineStart <= start) break;
		lineEnd = lineStart - 1;
	}
	return kept;
}

function mentionsAny(line: string, addresses: readonly string[]): boolean {
	const lower = line.toLowerCase();
	return addresses.some((a) => lower.includes(a));
}

/** The bounce of an RFC 3464 report: one recipient per failed (or delayed) recipient block. */
function dsnBounce(facts: MailFacts, fields: readonly DsnRecipientFields[], prose: string): BounceRecipient[] {
	const failed = fields.filter((f) => !(f.action && SUCCESS_ACTIONS.has(f.action))).slice(0, MAX_RECIPIENTS);
	const mta = reportingMta(facts, prose);
	return failed.map((f) => {
		const others = fields.map((o) => o.address).filter((a) => a !== f.address);
		// With one failed recipient the whole human-readable report is about it (Sendmail's "Transcript of
		// session follows" paragraph, EZweb's "The user(s) account is disabled." above the address).
		const about = failed.length === 1 ? prose.slice(0, 3000) : proseAbout(prose, f.address, others);
		const words = [f.diagnostic ?? '', f.statusComment ?? '', about].join('\n');
		return bounceRecipient(f.address, words, { status: f.status, action: f.action, diagnostic: f.diagnostic }, mta);
	});
}

function sesBounce(notification: SesNotification): BounceRecipient[] {
	const action = notification.bounceType === 'Transient' ? 'delayed' : 'failed';
	return notification.recipients.map((r) => bounceRecipient(r.address, r.diagnostic ?? '', { status: r.status, action: r.action ?? action }));
}

/** A non-standard report: recipients from its prose, else from a returned DSN inside it, else the returned To. */
function proseBounce(facts: MailFacts, text: string, forwarded: string | undefined): { recipients: BounceRecipient[]; nested?: boolean } {
	const prose = reportProse(forwarded ?? text);
	const mta = reportingMta(facts, prose);
	// A plain list of failed addresses with one error line below it ("    a@x" / "    b@x" / "550 5.1.1 User
	// unknown"): a recipient whose own lines state no code is read with the whole report.
	const head = prose.slice(0, 3000);
	const shared = findStatus(head) !== undefined;
	const recipients = recipientsInProse(facts, prose).map((r) => {
		const own = bounceRecipient(r.address, r.context, {}, mta);
		if (own.statusStated || own.replyCode || !shared) return own;
		const read = bounceRecipient(r.address, `${r.context}\n${head}`, {}, mta);
		return { ...read, diagnostic: own.diagnostic };
	});
	if (recipients.every((r) => !r.statusStated && !r.replyCode)) {
		const nested = nestedReport(facts);
		if (nested) return { recipients: nested, nested: true };
	}
	if (recipients.length === 0) {
		recipients.push(...returnedRecipients(facts, text).map((address) => bounceRecipient(address, prose, {}, mta)));
	}
	return { recipients };
}

/**
 * A report whose own prose names nobody but whose "returned message" is itself a DSN: a gateway
 * (TrendMicro's, sisimai's "X5") bounced the MAILER-DAEMON notice it was relaying, so the recipient and
 * status are in the returned report's delivery-status fields.
 *
 *   ----- The following addresses had permanent delivery errors -----
 *   [message/rfc822: Subject: Returned mail: User unknown … Content-Type: message/delivery-status …
 *    Final-Recipient: RFC822; kijitora@neko.example.org / Action: failed / Status: 5.1.1]
 */
function nestedReport(facts: MailFacts): BounceRecipient[] | undefined {
	for (const part of facts.parts) {
		if (part.contentType !== 'message/rfc822') continue;
		const at = part.body.search(/^Content-Type:[ \t]*message\/(?:global-)?delivery-status/im);
		if (at < 0) continue;
		const afterHeader = /\r?\n[ \t]*\r?\n/.exec(part.body.slice(at));
		if (!afterHeader) continue;
		const start = at + afterHeader.index + afterHeader[0].length;
		const end = part.body.slice(start).search(/^--\S/m);
		const fields = parseDeliveryStatus(part.body.slice(start, end < 0 ? undefined : start + end)).filter(
			(f) => !(f.action && SUCCESS_ACTIONS.has(f.action)),
		);
		if (fields.length === 0) continue;
		return fields.map((f) => bounceRecipient(f.address, f.diagnostic ?? '', { status: f.status, action: f.action, diagnostic: f.diagnostic }));
	}
	return undefined;
}

/** The To of the returned original, when the prose names no recipient. */
function returnedRecipients(facts: MailFacts, text: string): string[] {
	const returned = facts.parts.find((p) => p.contentType === 'message/rfc822' || p.contentType === 'text/rfc822-headers');
	const source = returned?.body ?? text;
	const to = /^To:[ \t]*(.+(?:\n[ \t].+)*)/im.exec(source)?.[1] ?? '';
	return findAddresses(to, MAX_RECIPIENTS).map((span) => span.address.toLowerCase());
}

/**
 * The facts as the rules read them: the subject and each text cut to the limits (`limits.ts`), so no rule
 * runs on more than a bounded amount of text whatever the message holds.
 */
function boundedFacts(facts: MailFacts): MailFacts {
	return {
		...facts,
		subject: capText(facts.subject, MAX_PATTERN_HEADER),
		text: capText(facts.text),
		html: facts.html === undefined ? undefined : capText(facts.html, MAX_HTML),
	};
}

/** Options of {@link classify}. */
export interface ClassifyOptions {
	/**
	 * The clock, for reading a return date written without a year when the message has no Date header
	 * (a missing year is the next occurrence after the message date). Without either, such dates are not read.
	 */
	now?: Date;
}

/** Every extractor's signals for one message; each reads the bounded facts on its own. */
export function extractEvidence(facts: MailFacts, text: string, replyText: string, reference: Date | undefined): Evidence {
	const own = replyText || text;
	return collectEvidence([
		reportSignals(facts, text),
		headerSignals(facts),
		mtaWordingSignals(facts, text),
		autoReplyWordingSignals(facts.subject, own),
		unsubscribeSignals(replyText, facts.subject),
		returnDateSignals(own, reference),
	]);
}

/**
 * Classifies a parsed message: facts → signals (`signals.ts`) → one row of the decision table
 * (`decision-table.ts`) → the class with its details. Pure: the same facts and options always give the
 * same answer. Linear in the size of the (bounded) text it reads.
 */
export function classify(message: MailFacts, options: ClassifyOptions = {}): Classification {
	const facts = boundedFacts(message);
	const text = readableText(facts);
	const replyText = extractReplyText(facts.text, facts.html);
	const evidence = extractEvidence(facts, text, replyText, facts.date ?? options.now);
	const signals = new SignalSet(evidence.signals);
	const rule = decide(signals);
	const base = { reason: ruleCode(rule, signals), confidence: rule.confidence, signals: usedSignals(rule, signals) };
	switch (rule.class) {
		case 'complaint': {
			const complaint = evidence.complaint ?? sesComplaint(evidence.ses);
			return { class: 'complaint', ...base, complaint };
		}
		case 'deliveryReport': {
			const recipients = evidence.dsn
				? evidence.dsn.map((f) => ({ address: f.address, status: f.status, action: f.action }))
				: (evidence.ses?.recipients ?? []).map((r) => ({ address: r.address, status: findStatus(r.diagnostic ?? '') }));
			return { class: 'deliveryReport', ...base, recipients };
		}
		case 'bounce': {
			const final = rule.final !== false;
			let recipients: BounceRecipient[];
			let reason = base.reason;
			if (signals.has('dsn-failed') || signals.has('dsn-delayed')) recipients = dsnBounce(facts, evidence.dsn ?? [], reportProse(text));
			else if (evidence.ses) recipients = sesBounce(evidence.ses);
			else {
				const found = proseBounce(facts, text, evidence.forwardedBounce);
				recipients = found.recipients;
				if (found.nested) reason = 'bounce:nested-dsn';
			}
			if (!final) recipients = recipients.map((r) => ({ ...r, final: false, hard: false }));
			return bounce({ ...base, reason }, recipients, final);
		}
		case 'autoReply':
			return { class: 'autoReply', ...base, replyText, returnDate: evidence.returnDate };
		case 'unsubscribe':
			return { class: 'unsubscribe', ...base, replyText };
		default:
			return { class: 'reply', ...base, replyText };
	}
}

function sesComplaint(notification: SesNotification | undefined): ComplaintDetails {
	return { feedbackType: notification?.feedbackType ?? 'abuse', recipients: (notification?.recipients ?? []).map((r) => r.address) };
}
