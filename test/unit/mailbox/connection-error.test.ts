import { explainConnectionError, scrubSecrets, secretsFor } from '../../../transport/connection-error';
import type { ConnectionContext } from '../../../transport/connection-error';

const smtp: ConnectionContext = { service: 'SMTP', endpoint: { host: 'smtp.example.com', port: 587, security: 'starttls' }, secrets: secretsFor('u@example.com', 'hunter2!') };
const imapPlain: ConnectionContext = { service: 'IMAP', endpoint: { host: 'imap.example.com', port: 993, security: 'none' }, secrets: [] };

describe('explainConnectionError', () => {
	it.each([
		['nodemailer ECONNREFUSED', smtp, { code: 'ESOCKET', originalCode: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, 'CONNECTION_REFUSED'],
		['DNS failure', smtp, { code: 'EDNS', originalCode: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' }, 'HOST_NOT_FOUND'],
		['expired certificate', smtp, { code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, 'CERT_EXPIRED'],
		['self-signed certificate', smtp, { code: 'DEPTH_ZERO_SELF_SIGNED_CERT', message: 'self-signed certificate' }, 'CERT_UNTRUSTED'],
		['unknown CA', smtp, { code: 'ESOCKET', originalCode: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', message: 'unable to verify the first certificate' }, 'CERT_UNTRUSTED'],
		['wrong host name on certificate', smtp, { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, 'CERT_HOSTNAME_MISMATCH'],
		['SMTP 535', smtp, { code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Error: authentication failed' }, 'AUTH_FAILED'],
		['imapflow auth failure', imapPlain, { authenticationFailed: true, serverResponseCode: 'AUTHENTICATIONFAILED', message: 'Command failed' }, 'AUTH_FAILED'],
		['TLS to a plain port', smtp, { code: 'ESOCKET', message: 'C0B7:error:0A00010B:SSL routines:ssl3_get_record:wrong version number' }, 'TLS_MISMATCH'],
		['STARTTLS not offered', smtp, { code: 'ETLS', message: 'No STARTTLS support' }, 'TLS_MISMATCH'],
		['plain to an implicit TLS port times out', imapPlain, { code: 'ETIMEOUT', message: 'Socket timeout' }, 'TLS_MISMATCH'],
		['no greeting', smtp, { code: 'ETIMEDOUT', message: 'Greeting never received' }, 'TLS_MISMATCH'],
		['plain timeout', smtp, { code: 'ETIMEDOUT', message: 'Connection timeout' }, 'TIMEOUT'],
		['reset', smtp, { code: 'ECONNRESET', message: 'read ECONNRESET' }, 'CONNECTION_CLOSED'],
		['anything else', smtp, new Error('boom'), 'UNEXPECTED'],
	])('%s → %s', (_name, context, raw, code) => {
		const error = explainConnectionError(raw, context);
		expect(error.code).toBe(code);
		expect(error.service).toBe(context.service);
		expect(error.message.startsWith(`${context.service} server ${context.endpoint.host}:${context.endpoint.port}: `)).toBe(true);
	});

	it('never lets the password through, in clear or base64 (SASL PLAIN echo)', () => {
		const plainBlob = Buffer.from('\u0000u@example.com\u0000hunter2!').toString('base64');
		const error = explainConnectionError(
			{ code: 'EAUTH', responseCode: 535, response: `535 rejected hunter2! ${plainBlob} ${Buffer.from('hunter2!').toString('base64')}` },
			smtp,
		);
		expect(error.message).not.toContain('hunter2!');
		expect(error.message).not.toContain(plainBlob);
		expect(error.message).not.toContain(Buffer.from('hunter2!').toString('base64'));
		expect(error.message).toContain('[redacted]');
	});
});

describe('regression: a dropped connection on a non-standard TLS port was reported as a TLS mismatch', () => {
	it('reports a reset on implicit TLS port 1993 as a closed connection, temporary', () => {
		const context: ConnectionContext = { service: 'IMAP', endpoint: { host: '127.0.0.1', port: 1993, security: 'tls' }, secrets: [] };
		const error = explainConnectionError({ code: 'ECONNRESET', message: 'read ECONNRESET' }, context);
		expect(error.code).toBe('CONNECTION_CLOSED');
		expect(error.temporary).toBe(true);
	});
});

describe('scrubSecrets', () => {
	it('ignores empty secrets instead of mangling the text', () => {
		expect(scrubSecrets('abc', [''])).toBe('abc');
	});
});

describe('regression: password scrubbing missed encoded forms and kept the raw error as cause', () => {
	const password = 'pa$$ wörd/"\\?+=';
	const user = 'jane@example.com';
	const context: ConnectionContext = { service: 'SMTP', endpoint: { host: 'smtp.example.com', port: 465, security: 'tls' }, secrets: secretsFor(user, password) };
	const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
	const forms: [string, string][] = [
		['unpadded base64 (an AUTH LOGIN echo)', b64(password).replace(/=+$/, '')],
		['base64 inside a longer blob (AUTH PLAIN with another user name)', b64(`\u0000someone-else\u0000${password}`)],
		['base64url', b64(password).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')],
		['JSON-escaped', JSON.stringify({ pass: password })],
		['JSON-escaped, ASCII only', JSON.stringify(password).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)],
		['IMAP-quoted', `a1 LOGIN "${user}" "${password.replace(/["\\]/g, '\\$&')}"`],
		['URL-encoded', `https://x.test/?p=${encodeURIComponent(password)}`],
		['URL-encoded, lower-case hex', encodeURIComponent(password).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
		['form-encoded', encodeURIComponent(password).replace(/%20/g, '+')],
	];

	it.each(forms)('removes the password %s from the message and the summary', (_name, leaked) => {
		const raw = { code: 'EAUTH', responseCode: 535, response: `535 5.7.8 rejected ${leaked}`, message: `Invalid login: ${leaked}` };
		const error = explainConnectionError(raw, context);
		const everything = `${error.message} ${error.hint ?? ''} ${JSON.stringify(error.cause)}`;
		expect(everything).not.toContain(leaked);
		expect(everything).toContain('[redacted]');
	});

	it('keeps only a scrubbed summary as cause, never the library error (or its nested cause)', () => {
		const inner = new Error(`socket said ${password}`);
		const raw = Object.assign(new Error(`Invalid login: ${b64(password)}`), { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN', cause: inner });
		const error = explainConnectionError(raw, context);
		expect(error.cause).not.toBe(raw);
		expect(error.cause).toEqual({ code: 'EAUTH', command: 'AUTH PLAIN', responseCode: 535, message: 'Invalid login: [redacted]' });
		expect(JSON.stringify(error.cause)).not.toContain(password);
	});

	it('leaves a server answer without the password alone', () => {
		const answer = '250 2.0.0 Ok: queued as 4XbKmn0Zz8 (dXNlcg==)';
		expect(scrubSecrets(answer, secretsFor('user', 'hunter2!'))).toBe(answer);
	});
});

describe('regression: a STARTTLS certificate failure was reported as "the server does not offer STARTTLS"', () => {
	const starttls: ConnectionContext = { service: 'SMTP', endpoint: { host: 'smtp.example.com', port: 587, security: 'starttls' }, secrets: [] };
	const imapStarttls: ConnectionContext = { service: 'IMAP', endpoint: { host: 'imap.example.com', port: 143, security: 'starttls' }, secrets: [] };
	it.each<[string, string, ConnectionContext, object]>([
		// nodemailer wraps a failed upgrade as ETLS "Error initiating TLS - <message>", dropping the code
		['nodemailer, expired', 'CERT_EXPIRED', starttls, { code: 'ETLS', command: 'STARTTLS', message: 'Error initiating TLS - certificate has expired' }],
		['nodemailer, self-signed', 'CERT_UNTRUSTED', starttls, { code: 'ETLS', command: 'CONN', message: 'Error initiating TLS - self-signed certificate' }],
		['nodemailer, unknown authority', 'CERT_UNTRUSTED', starttls, { code: 'ETLS', message: 'Error initiating TLS - unable to verify the first certificate' }],
		['nodemailer, wrong host', 'CERT_HOSTNAME_MISMATCH', starttls, { code: 'ETLS', message: "Error initiating TLS - Hostname/IP does not match certificate's altnames: Host: x. is not in the cert's altnames: DNS:y" }],
		['nodemailer, not yet valid (code kept)', 'CERT_NOT_YET_VALID', starttls, { code: 'ESOCKET', originalCode: 'CERT_NOT_YET_VALID', command: 'CONN', message: 'certificate is not yet valid' }],
		['imapflow upgrade, revoked', 'CERT_UNTRUSTED', imapStarttls, { tlsFailed: true, code: 'CERT_REVOKED', message: 'certificate revoked' }],
		['a message naming STARTTLS', 'CERT_EXPIRED', imapStarttls, { tlsFailed: true, message: 'STARTTLS upgrade failed: certificate has expired' }],
		['the cause carries the code', 'CERT_UNTRUSTED', imapStarttls, { message: 'Upgrade failed', tlsFailed: true, cause: { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' } }],
	])('%s → %s', (_name, code, context, raw) => {
		const error = explainConnectionError(raw, context);
		expect(error.code).toBe(code);
		expect(error.message).toMatch(/its TLS certificate/);
		expect(error.message).not.toMatch(/does not offer STARTTLS/);
	});

	it('still says "does not offer STARTTLS" when the server refused or did not announce it', () => {
		expect(explainConnectionError({ code: 'ETLS', command: 'STARTTLS', response: '454 4.7.0 TLS not available', message: 'Error upgrading connection with STARTTLS' }, starttls).message)
			.toMatch(/does not offer STARTTLS/);
		expect(explainConnectionError({ tlsFailed: true, message: 'Server does not support STARTTLS' }, imapStarttls).message).toMatch(/does not offer STARTTLS/);
	});

	it('reports any other failed upgrade as such, not as "no STARTTLS"', () => {
		const error = explainConnectionError({ code: 'ETLS', command: 'CONN', message: 'Connection closed unexpectedly' }, starttls);
		expect(error.message).toBe('SMTP server smtp.example.com:587: the TLS upgrade after STARTTLS failed: Connection closed unexpectedly');
	});
});

describe('regression: a refused connection at the mailbox connection limit was reported as a wrong password', () => {
	const imap: ConnectionContext = { service: 'IMAP', endpoint: { host: 'imap.example.com', port: 993, security: 'tls' }, secrets: [] };
	it.each([
		// Dovecot answers LOGIN with NO; imapflow marks it as an authentication failure
		['Dovecot', { authenticationFailed: true, serverResponseCode: 'UNAVAILABLE', message: 'Command failed', response: '2 NO [UNAVAILABLE] Maximum number of connections from user+IP exceeded (mail_max_userip_connections=10)' }],
		['Gmail', { authenticationFailed: true, serverResponseCode: 'ALERT', message: 'Command failed', response: 'A2 NO [ALERT] Too many simultaneous connections. (Failure)' }],
	])('%s: CONNECTION_LIMIT, temporary, and the message says so', (_name, raw) => {
		const error = explainConnectionError(raw, imap);
		expect(error.code).toBe('CONNECTION_LIMIT');
		expect(error.temporary).toBe(true);
		expect(error.message).toMatch(/limit of simultaneous connections was reached/);
		expect(error.hint).toMatch(/Dovecot allows 10/);
	});
});
