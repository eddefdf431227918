/**
 * One message → one `Classification`. Order matters and follows the evidence's strength: machine-readable
 * reports first (ARF, RFC 3464 DSN, provider JSON), then non-standard bounce prose, then automatic-reply
 * headers (RFC 3834 and friends), then wording, and last the human cases (unsubscribe, reply).
 */
import { clientUnsubscribeNotice, readFeedbackReport } from './arf';
import { autoReplyHeader, autoReplyWording, weakAutomationHeader } from './auto-reply';
import { bounceReason, isHardBounce } from './bounce-reason';
import { findReplyCode, findStatus, forwardedBounceBody, looksLikeBounce, recipientsInProse, reportProse } from './bounce-text';
import { deliveryStatusPart, parseDeliveryStatus } from './dsn';
import { htmlToText } from './html-text';
import { extractReplyText } from './reply-text';
import { findReturnDate } from './return-date';
import { readSesNotification } from './ses-notification';
import type { BounceClassification, BounceRecipient, Classification, MailFacts } from './types';
import { unsubscribeRequest } from './unsubscribe';

/** RFC 3464 §2.3.3: actions that mean the message arrived (or was passed on); Postfix's address
 * verification report says "deliverable". */
const SUCCESS_ACTIONS = new Set(['delivered', 'relayed', 'expanded', 'deliverable']);

/** The readable body: text/plain, or the HTML as text when there is no plain part. */
export function readableText(facts: MailFacts): string {
	if (facts.text.trim()) return facts.text.replace(/\r\n?/g, '\n');
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

/** Builds one bounce recipient from whatever the report states about it. */
function bounceRecipient(address: string, words: string, stated: { status?: string; action?: string }): BounceRecipient {
	const foundStatus = stated.status && !/^[45]\.0\.0$/.test(stated.status) ? stated.status : (findStatus(words) ?? stated.status);
	const replyCode = findReplyCode(words);
	const status = foundStatus ?? inferStatus(words, replyCode, stated.action);
	const reason = bounceReason(foundStatus, words);
	const diagnostic = words.replace(/\s+/g, ' ').trim().slice(0, 500) || undefined;
	return {
		address,
		status,
		statusStated: foundStatus !== undefined,
		replyCode,
		action: stated.action,
		reason,
		hard: isHardBounce(reason, status),
		diagnostic,
	};
}

function bounce(reason: string, recipients: BounceRecipient[]): BounceClassification {
	return { class: 'bounce', reason, recipients, hard: recipients.length > 0 && recipients.every((r) => r.hard) };
}

/** The paragraph of the prose about `address`, for DSNs whose Diagnostic-Code is missing. */
function proseAbout(prose: string, address: string): string {
	const at = prose.toLowerCase().indexOf(address);
	if (at < 0) return '';
	return prose.slice(prose.lastIndexOf('\n', at) + 1, at + 600).split(/\n[ \t]*\n(?=\S)/)[0] ?? '';
}

function classifyDsn(facts: MailFacts, prose: string): Classification | undefined {
	const part = deliveryStatusPart(facts);
	if (!part) return undefined;
	const fields = parseDeliveryStatus(part.body);
	if (fields.length === 0) return undefined;
	const allDelivered = fields.every((f) => (f.action ? SUCCESS_ACTIONS.has(f.action) : f.status?.startsWith('2.')));
	if (allDelivered) {
		return {
			class: 'deliveryReport',
			reason: 'dsn:delivered',
			recipients: fields.map((f) => ({ address: f.address, status: f.status, action: f.action })),
		};
	}
	const failed = fields.filter((f) => !(f.action && SUCCESS_ACTIONS.has(f.action)));
	const recipients = failed.map((f) => {
		const words = [f.diagnostic ?? '', proseAbout(prose, f.address)].join('\n');
		return bounceRecipient(f.address, words, { status: f.status, action: f.action });
	});
	return bounce('dsn:multipart-report', recipients);
}

function classifySes(text: string): Classification | undefined {
	const notification = readSesNotification(text);
	if (!notification) return undefined;
	if (notification.type === 'Complaint') {
		return {
			class: 'complaint',
			reason: 'ses:complaint',
			complaint: { feedbackType: notification.feedbackType ?? 'abuse', recipients: notification.recipients.map((r) => r.address) },
		};
	}
	if (notification.type === 'Delivery') {
		return {
			class: 'deliveryReport',
			reason: 'ses:delivery',
			recipients: notification.recipients.map((r) => ({ address: r.address, status: findStatus(r.diagnostic ?? '') })),
		};
	}
	const action = notification.bounceType === 'Transient' ? 'delayed' : 'failed';
	return bounce(
		'ses:bounce',
		notification.recipients.map((r) => bounceRecipient(r.address, r.diagnostic ?? '', { status: r.status, action: r.action ?? action })),
	);
}

function classifyProseBounce(facts: MailFacts, text: string): Classification | undefined {
	const forwarded = forwardedBounceBody(facts, text);
	const verdict = forwarded ? { bounce: true, why: 'forwarded' } : looksLikeBounce(facts, text);
	if (!verdict.bounce) return undefined;
	const prose = reportProse(forwarded ?? text);
	const found = recipientsInProse(facts, prose);
	const recipients = found.map((r) => bounceRecipient(r.address, r.context, {}));
	if (recipients.length === 0) recipients.push(...returnedRecipients(facts, text).map((address) => bounceRecipient(address, prose, {})));
	return bounce(`bounce:${verdict.why}`, recipients);
}

/** The To of the returned original, when the prose names no recipient. */
function returnedRecipients(facts: MailFacts, text: string): string[] {
	const returned = facts.parts.find((p) => p.contentType === 'message/rfc822' || p.contentType === 'text/rfc822-headers');
	const source = returned?.body ?? text;
	const to = /^To:[ \t]*(.+(?:\n[ \t].+)*)/im.exec(source)?.[1] ?? '';
	return [...to.matchAll(/[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+/g)].map((m) => m[0].toLowerCase());
}

/** Classifies a parsed message. Pure: the same facts always give the same answer. */
export function classify(facts: MailFacts): Classification {
	const text = readableText(facts);
	const complaint = readFeedbackReport(facts) ?? clientUnsubscribeNotice(facts, text);
	if (complaint) return { class: 'complaint', reason: 'arf:feedback-report', complaint };
	const prose = reportProse(text);
	const dsn = classifyDsn(facts, prose);
	if (dsn) return dsn;
	const ses = classifySes(text);
	if (ses) return ses;
	const proseBounce = classifyProseBounce(facts, text);
	if (proseBounce) return proseBounce;

	const replyText = extractReplyText(facts.text, facts.html);
	const header = autoReplyHeader(facts);
	const wording = autoReplyWording(facts.subject, replyText || text);
	const weak = weakAutomationHeader(facts);
	if (header || wording) {
		return {
			class: 'autoReply',
			reason: header ?? `${wording ?? ''}${weak ? `+${weak}` : ''}`,
			replyText,
			returnDate: findReturnDate(replyText || text, facts.date ?? new Date()),
		};
	}
	const removal = unsubscribeRequest(replyText, facts.subject);
	if (removal) return { class: 'unsubscribe', reason: `text:unsubscribe "${removal}"`, replyText };
	return { class: 'reply', reason: 'default:human', replyText };
}
