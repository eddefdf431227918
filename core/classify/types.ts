/**
 * Types shared by the reply classifier: the facts read from one raw message (`MailFacts`) and the closed
 * union of what the message is (`Classification`). Produced by `parseMessage`, consumed by `classify`.
 */

/** One header field, unfolded, in the order it appears. */
export interface HeaderField {
	/** Lower-case field name, e.g. `auto-submitted`. */
	name: string;
	/** The unfolded value, without the name and colon, not decoded (RFC 2047 words stay encoded). */
	value: string;
}

/** One MIME part of the message, as found by walking the raw source (see `mime.ts`). */
export interface MimePart {
	/** Position in the tree, `1`, `1.2`, … (`0` is a single-part message's own body). */
	path: string;
	/** Lower-case media type, e.g. `message/delivery-status`. */
	contentType: string;
	/** Content-Type parameters with lower-case names (`charset`, `report-type`, `boundary`, …). */
	params: Readonly<Record<string, string>>;
	/** The part's own header fields. */
	headers: readonly HeaderField[];
	/**
	 * The body after transfer decoding, as text in its declared charset, at most `MAX_PATTERN_TEXT`
	 * characters (`limits.ts`); '' for media types the classifier does not read (images, attachments). For
	 * `message/rfc822` and `text/rfc822-headers` this is the returned message (or its header block) as sent.
	 */
	body: string;
}

/** A mailbox with its display name, as mailparser reports it. */
export interface MailAddress {
	address: string;
	name: string;
}

/** Everything the classifier and the trigger need from one raw message. */
export interface MailFacts {
	/** All top-level header fields in order; `header(facts, name)` reads them. */
	headers: readonly HeaderField[];
	/** The top-level header block exactly as received (folded, CRLF or LF). */
	rawHeaders: string;
	messageId?: string;
	inReplyTo?: string;
	/** References, each with angle brackets, oldest first. */
	references: readonly string[];
	subject: string;
	from?: MailAddress;
	to: readonly MailAddress[];
	replyTo?: MailAddress;
	date?: Date;
	/** Return-Path address; `''` for the null reverse-path `<>` (bounces, most auto-replies). */
	returnPath?: string;
	/** Lower-case top-level media type, e.g. `multipart/report`. */
	contentType: string;
	/** The `report-type` parameter of a top-level or nested multipart/report, lower-case. */
	reportType?: string;
	/** Decoded text/plain body (mailparser's `text`), or '' when the message has none. */
	text: string;
	/** Decoded text/html body when present. */
	html?: string;
	/** Every MIME part in document order, including multipart/report's machine-readable parts. */
	parts: readonly MimePart[];
}

/** Bounce categories, named as sisimai names its reasons so both can be compared. */
export type BounceReason =
	| 'userunknown'
	| 'hostunknown'
	| 'hasmoved'
	| 'notaccept'
	| 'mailboxfull'
	| 'suspend'
	| 'exceedlimit'
	| 'mesgtoobig'
	| 'blocked'
	| 'spamdetected'
	| 'filtered'
	| 'policyviolation'
	| 'authfailure'
	| 'rejected'
	| 'norelaying'
	| 'securityerror'
	| 'expired'
	| 'networkerror'
	| 'systemerror'
	| 'toomanyconn'
	| 'undefined';

/** One recipient a bounce says failed (or was delayed). */
export interface BounceRecipient {
	/** The failed address, lower-cased. */
	address: string;
	/** RFC 3463 enhanced status code as given, e.g. `5.1.1`; inferred `5.0.0`/`4.0.0` when none is given. */
	status: string;
	/** Whether `status` was stated in the message (false: inferred from the reply code or the wording). */
	statusStated: boolean;
	/** SMTP reply code, e.g. `550`, when given. */
	replyCode?: string;
	/** RFC 3464 Action: `failed`, `delayed`, … when given. */
	action?: string;
	/** False for a delay (Action: delayed, a "still trying" warning): the MTA keeps trying, nothing failed yet. */
	final: boolean;
	reason: BounceReason;
	/** True when the address itself is bad (does not exist, domain gone, moved): stop mailing it. */
	hard: boolean;
	/** The server's own words (Diagnostic-Code or the error line), whitespace collapsed. */
	diagnostic?: string;
}

/** An ARF (RFC 5965) feedback report. */
export interface ComplaintDetails {
	/** Feedback-Type: `abuse`, `fraud`, `opt-out`, `not-spam`, `auth-failure`, `virus`, `other`. */
	feedbackType: string;
	/** The complained-about recipients (Original-Rcpt-To or the returned message's To). */
	recipients: string[];
	userAgent?: string;
}

interface Base {
	/**
	 * Which rule of the decision table decided, e.g. `header:auto-submitted=auto-replied`,
	 * `bounce:sender`, `default:human` (stable: workflows filter on it; docs/classifier.md lists them).
	 */
	reason: string;
	/** How sure the deciding rule is, 0–1 (a structured report 0.99, a person by default 0.8). */
	confidence: number;
	/** The named signals the rule read, e.g. `["from:mail-system", "subject:bounce"]`. */
	signals: readonly string[];
}

/** A human answer (anything that is not one of the automated classes). */
export interface ReplyClassification extends Base {
	class: 'reply';
	replyText: string;
}

/** An out-of-office or other automatic answer (RFC 3834). */
export interface AutoReplyClassification extends Base {
	class: 'autoReply';
	replyText: string;
	/** The date the sender says they are back, ISO `YYYY-MM-DD`, when the text states one. */
	returnDate?: string;
}

/** A non-delivery report (standard DSN or an MTA's own format). */
export interface BounceClassification extends Base {
	class: 'bounce';
	recipients: BounceRecipient[];
	/** True when every recipient is a hard bounce. */
	hard: boolean;
	/**
	 * False for a delay warning (every recipient `delayed`): not a failure, a later report may still come.
	 * The SMTP Sequence stops a prospect only on a final bounce.
	 */
	final: boolean;
}

/** A human asking to be removed from the sequence. */
export interface UnsubscribeClassification extends Base {
	class: 'unsubscribe';
	replyText: string;
}

/** A feedback-loop complaint (ARF). */
export interface ComplaintClassification extends Base {
	class: 'complaint';
	complaint: ComplaintDetails;
}

/** A successful delivery status notification (RFC 3464 Action: delivered/relayed/expanded). */
export interface DeliveryReportClassification extends Base {
	class: 'deliveryReport';
	recipients: { address: string; status?: string; action?: string }[];
}

/** What one message is. Closed union on `class`. */
export type Classification =
	| ReplyClassification
	| AutoReplyClassification
	| BounceClassification
	| UnsubscribeClassification
	| ComplaintClassification
	| DeliveryReportClassification;

/** The class names, for exhaustive tables. */
export type ClassificationClass = Classification['class'];
