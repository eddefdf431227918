/**
 * Signal extractors: each reads the (bounded) facts of one message on its own and says what it found as
 * named signals, with the data a class needs later (the DSN's fields, the forwarded report, the return
 * date). None decides a class: `decision-table.ts` reads the signals, so each extractor is testable alone
 * and a new rule is one row there.
 */
import { clientUnsubscribeNotice, readFeedbackReport } from './arf';
import { autoReplyHeader, autoReplyWording, bulkHeader, challengeResponse, acknowledgementSubject } from './auto-reply';
import { bounceBody, bounceSubject, delayWarning, forwardedBounceBody, fromMailSystem } from './bounce-text';
import { deliveryStatusPart, parseDeliveryStatus, type DsnRecipientFields } from './dsn';
import { findReturnDate } from './return-date';
import { readSesNotification, type SesNotification } from './ses-notification';
import type { ComplaintDetails, MailFacts } from './types';
import { unsubscribeRequest } from './unsubscribe';

/** What the decision table reads. Several names may share one key (each automation header is `auto-header`). */
export type SignalKey =
	// machine-readable reports (report extractor)
	| 'arf'
	| 'client-unsubscribe-notice'
	| 'dsn-delivered'
	| 'dsn-failed'
	| 'dsn-delayed'
	| 'ses-bounce'
	| 'ses-complaint'
	| 'ses-delivery'
	// header extractor
	| 'auto-header'
	| 'bulk-header'
	| 'null-sender'
	| 'reply-prefix'
	// MTA wording extractor
	| 'mail-system-sender'
	| 'bounce-subject'
	| 'bounce-body'
	| 'forwarded-bounce'
	| 'delay-warning'
	// auto-reply wording extractor
	| 'auto-subject'
	| 'auto-body'
	| 'conversational'
	| 'acknowledgement-subject'
	| 'challenge-response'
	// unsubscribe and return-date extractors
	| 'unsubscribe-text'
	| 'return-date';

/** One piece of evidence: `key` for the table, `name` for people (`header:auto-submitted=auto-replied`). */
export interface Signal {
	key: SignalKey;
	name: string;
}

/** What the extractors found in one message. */
export interface Evidence {
	signals: Signal[];
	/** ARF report or a mail client's own unsubscribe notice. */
	complaint?: ComplaintDetails;
	/** RFC 3464 per-recipient fields, when the message carries a delivery-status part. */
	dsn?: DsnRecipientFields[];
	ses?: SesNotification;
	/** The unquoted report of a bounce a person forwarded. */
	forwardedBounce?: string;
	/** The phrase of a removal request. */
	unsubscribe?: string;
	/** ISO date the sender says they are back. */
	returnDate?: string;
}

const signal = (key: SignalKey, name: string): Signal => ({ key, name });

/** RFC 3464 §2.3.3: actions that mean the message arrived (or was passed on); Postfix's address
 * verification report says "deliverable". */
export const SUCCESS_ACTIONS: ReadonlySet<string> = new Set(['delivered', 'relayed', 'expanded', 'deliverable']);

/**
 * Machine-readable reports: ARF (RFC 5965), RFC 3464 delivery status (delivered / failed / only delayed),
 * Amazon SES notifications.
 */
export function reportSignals(facts: MailFacts, text: string): Evidence {
	const signals: Signal[] = [];
	const evidence: Evidence = { signals };
	const arf = readFeedbackReport(facts);
	const notice = arf ? undefined : clientUnsubscribeNotice(facts, text);
	if (arf) signals.push(signal('arf', 'arf:feedback-report'));
	if (notice) signals.push(signal('client-unsubscribe-notice', `arf:client-unsubscribe=${notice.userAgent ?? 'client'}`));
	evidence.complaint = arf ?? notice;
	const part = deliveryStatusPart(facts);
	const fields = part ? parseDeliveryStatus(part.body) : [];
	if (fields.length > 0) {
		evidence.dsn = fields;
		const failed = fields.filter((f) => !(f.action ? SUCCESS_ACTIONS.has(f.action) : f.status?.startsWith('2.')));
		// RFC 3464 §2.3.3: "delayed" — the MTA has not yet given up; only a later "failed" report is final.
		if (failed.length === 0) signals.push(signal('dsn-delivered', 'dsn:delivered'));
		else if (failed.every((f) => f.action === 'delayed')) signals.push(signal('dsn-delayed', 'dsn:action=delayed'));
		else signals.push(signal('dsn-failed', 'dsn:action=failed'));
	}
	const ses = readSesNotification(text);
	if (ses) {
		evidence.ses = ses;
		if (ses.type === 'Complaint') signals.push(signal('ses-complaint', 'ses:complaint'));
		else if (ses.type === 'Delivery') signals.push(signal('ses-delivery', 'ses:delivery'));
		else signals.push(signal('ses-bounce', `ses:bounce=${(ses.bounceType ?? 'permanent').toLowerCase()}`));
	}
	return evidence;
}

/** Headers: RFC 3834 automation fields and their de-facto cousins, bulk precedence, the null sender, "Re:". */
export function headerSignals(facts: MailFacts): Evidence {
	const signals: Signal[] = [];
	const auto = autoReplyHeader(facts);
	if (auto) signals.push(signal('auto-header', auto));
	const bulk = bulkHeader(facts);
	if (bulk) signals.push(signal('bulk-header', bulk));
	// RFC 3834 §3.3 / RFC 5321 §4.5.5: automatic responses and reports go to the envelope sender with a null reverse-path.
	if (facts.returnPath === '') signals.push(signal('null-sender', 'header:return-path=<>'));
	if (/^\s*(?:re|aw|sv|antw|r|rif|res|fw|fwd|wg|tr)\s*:/i.test(facts.subject)) signals.push(signal('reply-prefix', 'subject:reply-prefix'));
	return { signals };
}

/** MTA wording: who sent it (MAILER-DAEMON, postmaster), bounce subjects and body phrases, delay warnings. */
export function mtaWordingSignals(facts: MailFacts, text: string): Evidence {
	const signals: Signal[] = [];
	const evidence: Evidence = { signals };
	if (fromMailSystem(facts)) signals.push(signal('mail-system-sender', 'from:mail-system'));
	if (bounceSubject(facts.subject)) signals.push(signal('bounce-subject', 'subject:bounce'));
	if (bounceBody(text)) signals.push(signal('bounce-body', 'body:bounce'));
	const forwarded = forwardedBounceBody(facts, text);
	if (forwarded !== undefined) {
		evidence.forwardedBounce = forwarded;
		signals.push(signal('forwarded-bounce', 'body:forwarded-bounce'));
	}
	const delay = delayWarning(facts.subject, forwarded ?? text);
	if (delay) signals.push(signal('delay-warning', `${delay}:delay-warning`));
	return evidence;
}

/**
 * Auto-reply wording in the subject and in the reply's own text (`body`: the text without quoted
 * history), in the supported languages; challenge-response requests; a person's conversational tone.
 */
export function autoReplyWordingSignals(subject: string, body: string): Evidence {
	const signals: Signal[] = [];
	const wording = autoReplyWording(subject, body);
	if (wording.subject) signals.push(signal('auto-subject', 'subject:auto-reply'));
	if (wording.body) signals.push(signal('auto-body', 'body:auto-reply'));
	if (wording.conversational) signals.push(signal('conversational', 'body:conversational'));
	if (acknowledgementSubject(subject)) signals.push(signal('acknowledgement-subject', 'subject:acknowledgement'));
	const challenge = challengeResponse(subject, body);
	if (challenge) signals.push(signal('challenge-response', challenge));
	return { signals };
}

/** A removal request in the reply's own text (never the quoted history, which holds our own footer). */
export function unsubscribeSignals(replyText: string, subject: string): Evidence {
	const phrase = unsubscribeRequest(replyText, subject);
	return phrase ? { signals: [signal('unsubscribe-text', `text:unsubscribe "${phrase}"`)], unsubscribe: phrase } : { signals: [] };
}

/** A return date in the text ("back on Monday, December 7", "bis 21.03.2025", "2027-01-04"). */
export function returnDateSignals(text: string, reference: Date | undefined): Evidence {
	const returnDate = findReturnDate(text, reference);
	return returnDate ? { signals: [signal('return-date', 'text:return-date')], returnDate } : { signals: [] };
}

/** All signals of one message, in extractor order, with their data. */
export function collectEvidence(parts: readonly Evidence[]): Evidence {
	const merged: Evidence = { signals: [] };
	for (const part of parts) {
		const { signals, ...data } = part;
		merged.signals.push(...signals);
		for (const [key, value] of Object.entries(data)) if (value !== undefined) Object.assign(merged, { [key]: value });
	}
	return merged;
}
