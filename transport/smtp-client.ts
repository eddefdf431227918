/**
 * Builds nodemailer SMTP transports from resolved mailbox settings. The only place that knows how the
 * credential's security modes map onto nodemailer's options.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { MailboxSettings, OAuth2Login } from '../core/mailbox/settings';
import { tlsOptionsFor } from './tls-options';

/** How long to wait for the TCP connection (nodemailer's default is 2 minutes; a user waits less). */
export const SMTP_CONNECTION_TIMEOUT_MS = 20_000;
/** How long to wait for the 220 greeting once connected. */
export const SMTP_GREETING_TIMEOUT_MS = 15_000;
/** Idle time on an open socket before giving up (covers slow DATA answers from filtering servers). */
export const SMTP_SOCKET_TIMEOUT_MS = 60_000;

/** Carries an AuthorizationError through nodemailer, which rewrites the `code` of errors it is given. */
export interface TokenFailure extends Error {
	tokenError: unknown;
}

/**
 * nodemailer's XOAUTH2 login for an OAuth2 mailbox. nodemailer asks `provisionCallback` for a token when
 * a connection logs in and the last one passed its refresh time, and with `renew = true` once after the
 * server refused a token (its 334 error challenge): refresh once, retry once.
 */
function oauth2Auth(login: OAuth2Login): SMTPTransport.Options['auth'] {
	let given: string | undefined;
	return {
		type: 'OAuth2',
		user: login.smtpUser,
		provisionCallback: (_user, renew, callback) => {
			const next = renew && given ? login.tokens.renew(given) : login.tokens.current();
			next.then(
				(token) => {
					given = token.value;
					callback(null, token.value, token.refreshAt ?? 0);
				},
				(error: unknown) => {
					const failure: TokenFailure = Object.assign(new Error('no OAuth2 access token'), { tokenError: error });
					callback(failure, '', 0);
				},
			);
		},
	};
}

/** nodemailer options for one (non-pooled) SMTP connection. */
export function smtpOptions(settings: MailboxSettings): SMTPTransport.Options {
	const { smtp } = settings;
	return {
		host: smtp.host,
		port: smtp.port,
		secure: smtp.security === 'tls',
		requireTLS: smtp.security === 'starttls',
		ignoreTLS: smtp.security === 'none',
		auth: settings.oauth2 ? oauth2Auth(settings.oauth2) : { user: settings.user, pass: settings.password },
		tls: tlsOptionsFor('SMTP', smtp, settings.tls),
		connectionTimeout: SMTP_CONNECTION_TIMEOUT_MS,
		greetingTimeout: SMTP_GREETING_TIMEOUT_MS,
		socketTimeout: SMTP_SOCKET_TIMEOUT_MS,
		logger: false,
		debug: false,
	};
}

/** A transport for one connection (credential test, small runs). */
export function createSmtpTransport(settings: MailboxSettings) {
	return nodemailer.createTransport(smtpOptions(settings));
}

/** A pooled transport: one authenticated connection reused for a whole run. */
export function createSmtpPool(settings: MailboxSettings, maxConnections = 1) {
	const options: SMTPPool.Options = { ...smtpOptions(settings), pool: true, maxConnections, maxMessages: Infinity };
	return nodemailer.createTransport(options);
}
