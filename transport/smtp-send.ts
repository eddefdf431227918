/**
 * Sends one raw message over an SMTP transport and turns every way it can fail into one of our errors:
 * 4xx → SMTP_TEMPORARY, 5xx → SMTP_PERMANENT, 5.7.x (policy / authentication) → SMTP_POLICY, which
 * blocks the mailbox for the rest of the run; no answer at all → a ConnectionError naming the server.
 */
import type { Transporter } from 'nodemailer';
import { SequenceError, SmtpRejection } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { connectionContext, explainConnectionError, scrubSecrets, secretsOf } from './connection-error';

/** What the SMTP server said when it accepted the message. */
export interface SmtpAccepted {
	/** The final reply to DATA, e.g. "250 2.0.0 Ok: queued as 4Xb…". */
	response: string;
}

/** Fields nodemailer sets on SMTP errors. */
interface SmtpErrorFields {
	responseCode?: unknown;
	response?: unknown;
	command?: unknown;
	code?: unknown;
	message?: unknown;
	rejectedErrors?: unknown;
}

// RFC 3463 §2: status-code = class "." subject "." detail; class 2, 4 or 5
const ENHANCED_STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/;

/** The enhanced status code in an SMTP reply, e.g. "5.7.1", if the server gave one. */
export function enhancedStatusOf(response: string): string | undefined {
	const match = ENHANCED_STATUS.exec(response);
	return match ? `${match[1]}.${match[2]}.${match[3]}` : undefined;
}

/**
 * Classifies an SMTP reply code + text. 5.7.x is "security or policy status" (RFC 3463 §3.8): the
 * server refuses this sender or mailbox, not this recipient, so the run stops sending from it.
 */
export function smtpRejection(responseCode: number, response: string, command: string, secrets: string[]): SmtpRejection {
	const text = scrubSecrets(response.trim(), secrets);
	const enhancedStatus = enhancedStatusOf(text);
	const details = { responseCode, enhancedStatus, response: text, command };
	if (responseCode >= 400 && responseCode < 500) {
		return new SmtpRejection('SMTP_TEMPORARY', `The SMTP server temporarily refused the message at ${command}: ${text}`, details, {
			hint: 'Nothing was recorded as sent; the next run tries again.',
		});
	}
	if (enhancedStatus?.startsWith('5.7.') || responseCode === 530 || responseCode === 535) {
		return new SmtpRejection('SMTP_POLICY', `The SMTP server refused this mailbox by policy at ${command}: ${text}`, details, {
			hint: 'Sending from this mailbox stopped for this run. Check the account (blocked, sending limit, authentication, sender address not allowed).',
		});
	}
	return new SmtpRejection('SMTP_PERMANENT', `The SMTP server permanently rejected the message at ${command}: ${text}`, details);
}

/** Sends `raw` to one recipient; resolves with the server's answer or throws SmtpRejection / ConnectionError. */
export async function sendRaw(
	transport: Transporter,
	settings: MailboxSettings,
	envelope: { from: string; to: string },
	raw: Buffer,
): Promise<SmtpAccepted> {
	try {
		const info = (await transport.sendMail({ envelope, raw })) as { response?: string; rejected?: unknown[] };
		return { response: scrubSecrets(String(info.response ?? ''), secretsOf(settings, 'SMTP')) };
	} catch (error) {
		throw toSendError(error, settings);
	}
}

/** The AuthorizationError behind a failed XOAUTH2 login (no token could be had), if that was the cause. */
export function tokenErrorOf(error: unknown): SequenceError | undefined {
	const carried = typeof error === 'object' && error !== null ? (error as { tokenError?: unknown }).tokenError : undefined;
	return carried instanceof SequenceError ? carried : undefined;
}

/** Any failure of an SMTP login or send as one of our errors (see the module comment). */
export function toSendError(error: unknown, settings: MailboxSettings): SequenceError {
	const tokenError = tokenErrorOf(error);
	if (tokenError) return tokenError;
	const secrets = secretsOf(settings, 'SMTP');
	const fields: SmtpErrorFields = typeof error === 'object' && error !== null ? (error as SmtpErrorFields) : {};
	const responseCode = Number(fields.responseCode);
	const command = typeof fields.command === 'string' && fields.command ? fields.command : 'SMTP';
	if (fields.code !== 'EAUTH' && Number.isInteger(responseCode) && responseCode >= 400 && responseCode < 600) {
		return smtpRejection(responseCode, String(fields.response ?? fields.message ?? ''), command, secrets);
	}
	const explained = explainConnectionError(error, connectionContext(settings, 'SMTP'));
	if (explained.code === 'AUTH_FAILED') {
		// the login worked when the credential was saved; now it does not: the mailbox is blocked for the run,
		// and the explanation (e.g. Microsoft's SMTP AUTH switch) keeps its hint
		const rejection = smtpRejection(535, explained.message, 'AUTH', secrets);
		return explained.hint
			? new SmtpRejection(rejection.code, rejection.message, rejection, { hint: `${explained.hint} Sending from this mailbox stopped for this run.` })
			: rejection;
	}
	return explained;
}
