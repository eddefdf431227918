/**
 * Amazon SES event notifications delivered by e-mail through SNS ("AWS Notification Message"): a JSON
 * document instead of a DSN.
 *
 *   {"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":
 *   "bounce@simulator.amazonses.com","action":"failed","status":"5.1.1","diagnosticCode":"smtp; 550 5.1.1 user unknown"}]…
 */

/** One recipient of an SES notification. */
export interface SesRecipient {
	address: string;
	status?: string;
	action?: string;
	diagnostic?: string;
}

/** The parts of an SES notification the classifier uses. */
export interface SesNotification {
	type: 'Bounce' | 'Complaint' | 'Delivery';
	/** SES's own judgement: `Permanent`, `Transient`, `Undetermined` (bounces only). */
	bounceType?: string;
	feedbackType?: string;
	recipients: SesRecipient[];
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | undefined {
	return typeof value === 'string' ? value : undefined;
}

/** SNS JSON envelopes ({"Type":"Notification","Message":"{\"notificationType\"…"}) carry the SES event as a string. */
function unwrapSns(text: string): string {
	const start = text.indexOf('{');
	if (start < 0 || !/"Type"\s*:\s*"Notification"/.test(text)) return text;
	try {
		const envelope: unknown = JSON.parse(text.slice(start, text.lastIndexOf('}') + 1));
		if (isRecord(envelope) && typeof envelope.Message === 'string') return envelope.Message;
	} catch {
		// not an envelope after all
	}
	return text;
}

/** Reads an SES notification from a message body, or undefined. */
export function readSesNotification(text: string): SesNotification | undefined {
	// SNS e-mail breaks lines longer than 998 octets with "!" + CRLF + space (RFC 5322 §2.1.1 limit).
	const joined = unwrapSns(text.replace(/!\r?\n /g, ''));
	const start = joined.indexOf('{"notificationType"');
	if (start < 0) return undefined;
	let document: unknown;
	for (let end = joined.lastIndexOf('}'); end > start; end = joined.lastIndexOf('}', end - 1)) {
		try {
			document = JSON.parse(joined.slice(start, end + 1));
			break;
		} catch {
			// keep shrinking until the JSON object closes
		}
	}
	if (!isRecord(document)) return undefined;
	const type = str(document.notificationType);
	if (type !== 'Bounce' && type !== 'Complaint' && type !== 'Delivery') return undefined;
	const section = document[type.toLowerCase()];
	const body = isRecord(section) ? section : {};
	const list = body.bouncedRecipients ?? body.complainedRecipients ?? body.recipients;
	const recipients: SesRecipient[] = [];
	if (Array.isArray(list)) {
		for (const entry of list) {
			if (typeof entry === 'string') recipients.push({ address: entry.toLowerCase() });
			else if (isRecord(entry) && str(entry.emailAddress)) {
				recipients.push({
					address: String(entry.emailAddress).toLowerCase(),
					status: str(entry.status),
					action: str(entry.action),
					diagnostic: str(entry.diagnosticCode),
				});
			}
		}
	}
	if (type === 'Delivery' && recipients.length > 0 && str(body.smtpResponse)) {
		for (const recipient of recipients) recipient.diagnostic = str(body.smtpResponse);
	}
	return { type, bounceType: str(body.bounceType), feedbackType: str(body.complaintFeedbackType), recipients };
}
