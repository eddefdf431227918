/**
 * Explains what went wrong when talking to a mail server, in words a no-code user understands, from the
 * error shapes nodemailer, imapflow and Node's net/tls produce. Every message names the side (SMTP or
 * IMAP) and the server, never the password: secrets are scrubbed here, once, where errors enter.
 */
import { ConnectionError, type ErrorCode } from '../core/errors';
import { explainAuthFailure, type AuthKind } from '../core/mailbox/auth-failure';
import type { Endpoint } from '../core/mailbox/presets';
import type { MailboxSettings } from '../core/mailbox/settings';

/** What we know of the connection attempt that failed. */
export interface ConnectionContext {
	service: 'SMTP' | 'IMAP';
	endpoint: Endpoint;
	/** Values that must never appear in a message (password or tokens, and derived encodings). */
	secrets: string[];
	/** How the credential logs in (default password): decides the words of an authentication failure. */
	auth?: AuthKind;
}

/** The fields nodemailer, imapflow and Node attach to their errors, all optional. */
interface RawErrorFields {
	code?: unknown;
	/** nodemailer keeps the socket's own code here and sets `code` to its generic ESOCKET. */
	originalCode?: unknown;
	message?: unknown;
	responseCode?: unknown;
	response?: unknown;
	command?: unknown;
	authenticationFailed?: unknown;
	serverResponseCode?: unknown;
	responseText?: unknown;
	reason?: unknown;
	cause?: unknown;
	/** imapflow: the error happened during the STARTTLS upgrade. */
	tlsFailed?: unknown;
	/** Set by tls-options.ts on a pinned-fingerprint mismatch: the fingerprint seen. */
	fingerprint?: unknown;
}

function fieldsOf(error: unknown): RawErrorFields {
	return typeof error === 'object' && error !== null ? (error as RawErrorFields) : { message: String(error) };
}

function text(value: unknown): string {
	return typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value);
}

/** Shortest run of base64 characters worth redacting inside a longer base64 text (shorter runs match by chance). */
const MIN_EMBEDDED_BASE64 = 6;

/**
 * The base64 characters that encode `bytes` whatever stands before and after them in a longer base64
 * text (an AUTH PLAIN blob with any user name, a token): for each of the three byte alignments, the
 * characters that depend on `bytes` alone.
 */
function embeddedBase64(bytes: Buffer): string[] {
	const cores: string[] = [];
	for (let shift = 0; shift < 3; shift++) {
		const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64').replace(/=+$/, '');
		// leading characters mixed with the `shift` bytes before; trailing ones with the bytes after
		const lead = shift === 0 ? 0 : shift + 1;
		const tail = (shift + bytes.length) % 3;
		const core = encoded.slice(lead, encoded.length - (tail === 0 ? 0 : 1));
		if (core.length >= MIN_EMBEDDED_BASE64) cores.push(core);
	}
	return cores;
}

/**
 * Every form in which a secret can come back in a server's answer or a library's message: as is;
 * base64 padded, unpadded (AUTH LOGIN echoes) and inside a longer base64 text; base64url; JSON-escaped
 * (plain and ASCII-only); IMAP-quoted (RFC 3501 quoted string: backslash before `"` and `\`); URL- and
 * form-encoded with upper- or lower-case hex. Longest first, so a form is never cut by a shorter one.
 */
export function secretForms(secret: string): string[] {
	const bytes = Buffer.from(secret, 'utf8');
	const base64 = [bytes.toString('base64'), bytes.toString('base64').replace(/=+$/, ''), ...embeddedBase64(bytes)];
	const base64url = base64.map((form) => form.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
	const json = JSON.stringify(secret).slice(1, -1);
	const jsonAscii = json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
	const url = encodeURIComponent(secret);
	const urlLower = url.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
	const forms = [
		secret,
		...base64,
		...base64url,
		json,
		jsonAscii,
		json.replace(/\//g, '\\/'),
		secret.replace(/["\\]/g, '\\$&'),
		url,
		urlLower,
		url.replace(/%20/g, '+'),
		urlLower.replace(/%20/g, '+'),
	];
	return [...new Set(forms.filter((form) => form.length > 0))].sort((a, b) => b.length - a.length);
}

/** Removes every secret, in every form of {@link secretForms}, from a string. */
export function scrubSecrets(message: string, secrets: string[]): string {
	let out = message;
	for (const secret of secrets) {
		if (!secret) continue;
		for (const form of secretForms(secret)) out = out.split(form).join('[redacted]');
	}
	return out;
}

/**
 * What is kept of the library's error: its codes and command, and its texts scrubbed. Never the error
 * itself: its message, `response` or a nested `cause` may carry the password, and n8n and loggers
 * print causes.
 */
function scrubbedSummary(raw: RawErrorFields, scrub: (s: string) => string): Record<string, string | number> {
	const summary: Record<string, string | number> = {};
	for (const key of ['code', 'originalCode', 'command', 'serverResponseCode'] as const) {
		const value = text(raw[key]);
		if (value) summary[key] = scrub(value).slice(0, 200);
	}
	const responseCode = Number(raw.responseCode);
	if (Number.isInteger(responseCode) && responseCode > 0) summary.responseCode = responseCode;
	const message = text(raw.message);
	if (message) summary.message = scrub(message).slice(0, 1000);
	const response = text(raw.response) || text(raw.responseText);
	if (response) summary.response = scrub(response).slice(0, 1000);
	return summary;
}

/**
 * All secret forms of OAuth2 logins with these tokens: the tokens and the XOAUTH2 and OAUTHBEARER SASL
 * strings that carry them (scrubSecrets adds their base64).
 */
export function tokenSecretsFor(user: string, tokens: string[], endpoint: Endpoint): string[] {
	return tokens.flatMap((token) => [
		token,
		`user=${user}\u0001auth=Bearer ${token}\u0001\u0001`,
		`n,a=${user},\u0001host=${endpoint.host}\u0001port=${endpoint.port}\u0001auth=Bearer ${token}\u0001\u0001`,
	]);
}

/** All secret forms for a user/password pair, including the SASL PLAIN blob. */
export function secretsFor(user: string, password: string): string[] {
	return [password, `\u0000${user}\u0000${password}`, `${user}\u0000${password}`].filter((s) => s.length > 0);
}

/**
 * What must never appear in a message about this mailbox's `service` side: the password, or every token
 * the mailbox's token source has held so far (asked at the time of the error: tokens change during a run).
 */
export function secretsOf(settings: MailboxSettings, service: 'SMTP' | 'IMAP'): string[] {
	if (!settings.oauth2) return secretsFor(settings.user, settings.password);
	const user = service === 'SMTP' ? settings.oauth2.smtpUser : settings.user;
	return tokenSecretsFor(user, settings.oauth2.tokens.secrets(), service === 'SMTP' ? settings.smtp : settings.imap);
}

/** The context `explainConnectionError` needs for one side of this mailbox. */
export function connectionContext(settings: MailboxSettings, service: 'SMTP' | 'IMAP'): ConnectionContext {
	return {
		service,
		endpoint: service === 'SMTP' ? settings.smtp : settings.imap,
		secrets: secretsOf(settings, service),
		auth: settings.oauth2 ? 'oauth2' : 'password',
	};
}


/** OpenSSL's certificate verification results as Node names them (crypto_common.cc), by what they mean. */
const CERT_EXPIRED_CODES = new Set(['CERT_HAS_EXPIRED', 'ERROR_IN_CERT_NOT_AFTER_FIELD']);
const CERT_NOT_YET_VALID_CODES = new Set(['CERT_NOT_YET_VALID', 'ERROR_IN_CERT_NOT_BEFORE_FIELD']);
const CERT_HOSTNAME_CODES = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);
const CERT_UNTRUSTED_CODES = new Set([
	'DEPTH_ZERO_SELF_SIGNED_CERT',
	'SELF_SIGNED_CERT_IN_CHAIN',
	'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
	'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
	'UNABLE_TO_GET_ISSUER_CERT',
	'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
	'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
	'CERT_SIGNATURE_FAILURE',
	'CERT_CHAIN_TOO_LONG',
	'CERT_REVOKED',
	'INVALID_CA',
	'PATH_LENGTH_EXCEEDED',
	'INVALID_PURPOSE',
	'CERT_UNTRUSTED',
	'CERT_REJECTED',
]);

/**
 * Node's and OpenSSL's texts for those results, for errors that lost the code on the way (nodemailer's
 * "Error initiating TLS - <message>" with code ETLS, a wrapped cause).
 */
const CERT_MESSAGES: readonly [RegExp, string][] = [
	[/certificate has expired/i, 'CERT_HAS_EXPIRED'],
	[/certificate is not yet valid/i, 'CERT_NOT_YET_VALID'],
	[/does not match certificate's altnames|hostname mismatch/i, 'ERR_TLS_CERT_ALTNAME_INVALID'],
	[/self[- ]signed certificate|unable to verify the first certificate|unable to get (?:local )?issuer certificate|certificate (?:not trusted|rejected|revoked|signature failure|chain too long)|invalid CA certificate|unsuitable certificate purpose/i, 'CERT_UNTRUSTED'],
];

/** The certificate verification result an error carries, in its codes or, failing that, its texts. */
function certificateCode(codes: string[], messages: string[]): string | undefined {
	const known = (code: string) =>
		CERT_EXPIRED_CODES.has(code) || CERT_NOT_YET_VALID_CODES.has(code) || CERT_HOSTNAME_CODES.has(code) || CERT_UNTRUSTED_CODES.has(code) || code === 'CERT_FINGERPRINT_MISMATCH';
	const byCode = codes.find(known);
	if (byCode) return byCode;
	for (const message of messages) {
		for (const [pattern, code] of CERT_MESSAGES) if (pattern.test(message)) return code;
	}
	return undefined;
}

/**
 * The server answered STARTTLS with a refusal or did not announce it (nodemailer: "Error upgrading
 * connection with STARTTLS"; imapflow: "Server does not support STARTTLS"; our certificate fetch). Any
 * other failure during the upgrade is not "no STARTTLS".
 */
const NO_STARTTLS_MESSAGE = /does not support STARTTLS|error upgrading connection with STARTTLS|STARTTLS is not possible|no STARTTLS/i;

/** Codes that, on a plain connection to a TLS port, mean the two ends speak differently. */
const TLS_PROTOCOL_MESSAGE = /wrong version number|packet length too long|unknown protocol|tlsv1 alert|ssl3_get_record|http request|record layer failure/i;

/**
 * The server refused one more connection for this user: Dovecot "NO [UNAVAILABLE] Maximum number of
 * connections from user+IP exceeded (mail_max_userip_connections=10)", Gmail "[ALERT] Too many
 * simultaneous connections. (Failure)", others "too many connections" / "connection limit". It arrives as
 * the answer to LOGIN, so it must be told apart from a wrong password before that check.
 */
const CONNECTION_LIMIT_MESSAGE = /maximum number of (?:connections|sessions)|too many (?:simultaneous |concurrent |open |parallel )?(?:connections|sessions|logins)|connection limit|mail_max_userip_connections/i;

/** Common implicit-TLS ports: a plain connection that times out there is a TLS mismatch. */
const IMPLICIT_TLS_PORTS = new Set([465, 993, 995]);

/**
 * Maps any error thrown while connecting or authenticating to a ConnectionError whose message says which
 * side failed and why.
 */
export function explainConnectionError(error: unknown, context: ConnectionContext): ConnectionError {
	const raw = fieldsOf(error);
	const cause = fieldsOf(raw.cause);
	const code = text(raw.originalCode) || text(cause.code) || text(raw.code);
	const message = text(raw.message);
	const certificate = certificateCode([text(raw.originalCode), text(raw.code), text(cause.code)], [message, text(cause.message)]);
	const { service, endpoint } = context;
	const where = `${service} server ${endpoint.host}:${endpoint.port}`;
	const scrub = (s: string) => scrubSecrets(s, context.secrets);
	const responseCode = Number(raw.responseCode) || undefined;
	const response = scrub(text(raw.response) || text(raw.responseText));
	const make = (errorCode: ErrorCode, sentence: string, hint?: string) =>
		new ConnectionError(errorCode, scrub(`${where}: ${sentence}`), { service, host: endpoint.host, port: endpoint.port }, {
			hint: hint ? scrub(hint) : undefined,
			cause: scrubbedSummary(raw, scrub),
		});

	if (certificate !== undefined && CERT_EXPIRED_CODES.has(certificate)) {
		return make('CERT_EXPIRED', 'its TLS certificate has expired, so the connection is not trusted.',
			'The server administrator must renew the certificate; until then the password is not sent to this server.');
	}
	if (certificate !== undefined && CERT_NOT_YET_VALID_CODES.has(certificate)) {
		return make('CERT_NOT_YET_VALID', 'its TLS certificate is not valid yet, so the connection is not trusted.',
			'Check the clock of this machine and of the server.');
	}
	if (certificate !== undefined && CERT_UNTRUSTED_CODES.has(certificate)) {
		return make('CERT_UNTRUSTED', 'its TLS certificate is not trusted (self-signed or signed by an unknown authority).',
			'Add the certificate of the authority that signed it in "CA Certificate (PEM)". For a server you run yourself with a self-signed certificate, turn on "Allow Self-Signed Certificates" and pin its fingerprint.');
	}
	if (certificate !== undefined && CERT_HOSTNAME_CODES.has(certificate)) {
		return make('CERT_HOSTNAME_MISMATCH', `its TLS certificate is not valid for the name "${endpoint.host}".`,
			'Use the host name the provider documents (the one on its certificate).');
	}
	if (certificate === 'CERT_FINGERPRINT_MISMATCH') {
		const seen = text(raw.fingerprint) || text(cause.fingerprint);
		return make('CERT_FINGERPRINT_MISMATCH', `its TLS certificate${seen ? ` (SHA-256 ${seen})` : ''} is not one of the pinned fingerprints.`,
			'If the server got a new certificate, check it with the administrator and pin the new fingerprint; otherwise someone may be intercepting the connection.');
	}
	if (CONNECTION_LIMIT_MESSAGE.test(response) || CONNECTION_LIMIT_MESSAGE.test(message)) {
		return make('CONNECTION_LIMIT', `the mailbox's limit of simultaneous connections was reached: the server refused one more (it said: "${response.slice(0, 200) || message.slice(0, 200)}").`,
			`Other workflows, triggers or mail apps on this mailbox hold its connections (Dovecot allows 10 per user and address by default, Gmail 15). Let fewer of them run at the same moment, or ask the server's administrator to raise the limit.`);
	}
	const authFailed =
		raw.authenticationFailed === true ||
		code === 'EAUTH' ||
		text(raw.serverResponseCode).toUpperCase() === 'AUTHENTICATIONFAILED' ||
		(service === 'SMTP' && (responseCode === 535 || responseCode === 534));
	if (authFailed) {
		const { sentence, hint } = explainAuthFailure({ service, host: endpoint.host, auth: context.auth ?? 'password', response });
		return make('AUTH_FAILED', sentence, hint);
	}
	if (code === 'ECONNREFUSED') {
		return make('CONNECTION_REFUSED', 'the connection was refused: nothing accepts connections on that port.',
			`Check the host and port (${service === 'SMTP' ? 'SMTP usually listens on 465 or 587' : 'IMAP usually listens on 993 or 143'}), and that no firewall blocks the port.`);
	}
	if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EDNS') {
		return make('HOST_NOT_FOUND', `the host name "${endpoint.host}" could not be found.`, 'Check the spelling of the host name.');
	}
	if (TLS_PROTOCOL_MESSAGE.test(message) || code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO') {
		return make('TLS_MISMATCH', `the TLS handshake failed: the port does not speak the security mode "${endpoint.security}".`,
			`Use implicit TLS on ${service === 'SMTP' ? '465' : '993'} or STARTTLS on ${service === 'SMTP' ? '587' : '143'}, matching what the server offers.`);
	}
	if (NO_STARTTLS_MESSAGE.test(message)) {
		return make('TLS_MISMATCH', 'the server does not offer STARTTLS on this port, but the credential requires it.',
			'Choose implicit TLS if the port is 465/993, or check the port.');
	}
	if (code === 'ETLS' || raw.tlsFailed === true) {
		return make('TLS_MISMATCH', `the TLS upgrade after STARTTLS failed: ${scrub(message || code).slice(0, 300)}`,
			'Check the security setting and the port; if it persists, the server\'s TLS setup is broken.');
	}
	const timedOut = code === 'ETIMEDOUT' || code === 'ETIMEOUT' || code === 'CONNECT_TIMEOUT' || code === 'GREETING_TIMEOUT' ||
		/timed? ?out|greeting never received/i.test(message);
	if (timedOut) {
		if (endpoint.security !== 'tls' && IMPLICIT_TLS_PORTS.has(endpoint.port)) {
			return make('TLS_MISMATCH', `no answer on a plain connection; port ${endpoint.port} normally expects implicit TLS.`,
				'Set the security to "TLS" for this port.');
		}
		if (/greeting/i.test(message) || code === 'GREETING_TIMEOUT') {
			return make('TLS_MISMATCH', 'connected, but the server sent no greeting; the port probably expects implicit TLS.',
				'Set the security to "TLS" for this port, or use the STARTTLS/plain port.');
		}
		return make('TIMEOUT', 'the server did not answer in time.', 'Check the host and port, and that the network allows outgoing connections to it.');
	}
	if (code === 'ECONNRESET' || code === 'EPIPE' || /connection closed|socket closed|unexpected close/i.test(message) || code === 'NoConnection') {
		// a TLS/plain mismatch shows up as a protocol error above, not as a plain close: a close is a close
		return make('CONNECTION_CLOSED', 'the server closed the connection unexpectedly.', 'Try again later; if it persists, check the host, port and security settings.');
	}
	const detail = scrub(message || code || 'unknown error');
	return make('UNEXPECTED', `connection failed: ${detail}`);
}
