/**
 * One error base class and one registry of codes, in one spelling. Core and transport code throw these;
 * the n8n node files convert them to NodeOperationError in one place (see nodes/shared/to-node-error.ts).
 * Messages are written for a no-code user and never contain a password.
 */

/** Every code this package can report, with whether retrying later may help. */
export const ERROR_CODES = {
	// input problems (per item)
	INVALID_ADDRESS: { temporary: false },
	HEADER_INJECTION: { temporary: false },
	MISSING_VARIABLE: { temporary: false },
	EMPTY_FIELD: { temporary: false },
	BODY_TOO_LARGE: { temporary: false },
	INVALID_TIMEZONE: { temporary: false },
	INVALID_PARAMETER: { temporary: false },
	// reaching a server
	CONNECTION_REFUSED: { temporary: true },
	HOST_NOT_FOUND: { temporary: true },
	TIMEOUT: { temporary: true },
	CONNECTION_CLOSED: { temporary: true },
	/** The server refused another connection: the mailbox's limit of simultaneous connections is reached. */
	CONNECTION_LIMIT: { temporary: true },
	TLS_MISMATCH: { temporary: false },
	CERT_UNTRUSTED: { temporary: false },
	CERT_EXPIRED: { temporary: false },
	CERT_NOT_YET_VALID: { temporary: false },
	CERT_HOSTNAME_MISMATCH: { temporary: false },
	CERT_FINGERPRINT_MISMATCH: { temporary: false },
	AUTH_FAILED: { temporary: false },
	// OAuth2 sign-in (the credential's tokens)
	OAUTH2_NOT_CONNECTED: { temporary: false },
	OAUTH2_RECONNECT: { temporary: false },
	OAUTH2_REFRESH_FAILED: { temporary: true },
	OAUTH2_UNSUPPORTED_N8N: { temporary: false },
	// SMTP answers
	SMTP_TEMPORARY: { temporary: true },
	SMTP_PERMANENT: { temporary: false },
	SMTP_POLICY: { temporary: false },
	/** No answer after the whole message was transmitted: it may have been accepted; counted as sent. */
	SMTP_UNCONFIRMED: { temporary: false },
	// IMAP answers
	IMAP_COMMAND_FAILED: { temporary: true },
	IMAP_NO_SENT_FOLDER: { temporary: false },
	// the trigger: n8n could not take a batch of replies (e.g. storing an attachment failed)
	EMIT_FAILED: { temporary: true },
	/** The n8n execution was stopped: nothing more is sent; the next run goes on. */
	RUN_CANCELLED: { temporary: true },
	// catch-all
	UNEXPECTED: { temporary: false },
} as const satisfies Record<string, { temporary: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base class: a code from the registry, a user-facing message, and whether a retry may help. */
export class SequenceError extends Error {
	readonly code: ErrorCode;
	readonly temporary: boolean;
	/** Extra detail for the n8n error panel ("description"); never secret. */
	readonly hint?: string;

	constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown; temporary?: boolean } = {}) {
		super(message, options.cause === undefined ? undefined : { cause: options.cause });
		this.name = new.target.name;
		this.code = code;
		this.temporary = options.temporary ?? ERROR_CODES[code].temporary;
		this.hint = options.hint;
	}

	/** The `error` field of an output item. */
	toJSON(): { code: ErrorCode; message: string; temporary: boolean } {
		return { code: this.code, message: this.message, temporary: this.temporary };
	}
}

/** Bad input in one item or parameter; the other items go on. */
export class InputError extends SequenceError {}

/** A server could not be reached, refused us, or spoke TLS differently than configured. */
export class ConnectionError extends SequenceError {
	/** Which side of the mailbox failed. */
	readonly service: 'SMTP' | 'IMAP';
	readonly host: string;
	readonly port: number;

	constructor(
		code: ErrorCode,
		message: string,
		where: { service: 'SMTP' | 'IMAP'; host: string; port: number },
		options: { hint?: string; cause?: unknown } = {},
	) {
		super(code, message, options);
		this.service = where.service;
		this.host = where.host;
		this.port = where.port;
	}
}

/** The mailbox's OAuth2 sign-in cannot give a usable access token (not connected, revoked, refresh failed). */
export class AuthorizationError extends SequenceError {}

/** The SMTP server answered a command with a 4xx or 5xx reply. */
export class SmtpRejection extends SequenceError {
	readonly responseCode: number;
	/** Enhanced status code (RFC 3463), e.g. "5.7.1", when the server gave one. */
	readonly enhancedStatus?: string;
	readonly response: string;
	/** The command the reply answered (`RCPT TO`, `DATA` …), when known. */
	readonly command?: string;

	constructor(
		code: ErrorCode,
		message: string,
		details: { responseCode: number; enhancedStatus?: string; response: string; command?: string },
		options: { hint?: string; cause?: unknown } = {},
	) {
		super(code, message, options);
		this.responseCode = details.responseCode;
		this.enhancedStatus = details.enhancedStatus;
		this.response = details.response;
		this.command = details.command;
	}
}

/** Wraps anything thrown into a SequenceError without losing it. */
export function asSequenceError(error: unknown): SequenceError {
	if (error instanceof SequenceError) return error;
	const message = error instanceof Error ? error.message : String(error);
	return new SequenceError('UNEXPECTED', message, { cause: error });
}
