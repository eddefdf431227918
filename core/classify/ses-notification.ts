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

/**
 * Index after the `}` that closes the JSON object opening at `start`, or -1: one scan that skips strings
 * (and their escapes), so the text is parsed once instead of once per "}" after it.
 */
function objectEnd(text: string, start: number): number {
	let depth = 0;
	let inString = false;
	for (let index = start; index < text.length; index++) {
		const char = text[index];
		if (inString) {
			if (char === '\\') index++;
			else if (char === '"') inString = false;
		} else if (char === '"') inString = true;
		else if (char === '{' || char === '[') depth++;
		else if (char === '}' || char === ']') {
			depth--;
			if (depth === 0) return index + 1;
		}
	}
	return -1;
}

/** Reads an SES notification from a message body, or undefined. */
export function readSesNotification(text: string): SesNotification | undefined {
	// SNS e-mail breaks lines longer than 998 octets with "!" + CRLF + space (RFC 5322 §2.1.1 limit).
	const joined = unwrapSns(text.replace(/!\r?\n /g, ''));
	const start = joined.indexOf('{"notificationType"');
	if (start < 0) return undefined;
	const end = objectEnd(joined, start);
	if (end < 0) return undefined;
	let document: unknown;
	try {
		document = JSON.parse(joined.slice(start, end));
	} catch {
		return undefined;
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
