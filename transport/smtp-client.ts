/**
 * Builds nodemailer SMTP transports from resolved mailbox settings. The only place that knows how the
 * credential's security modes map onto nodemailer's options.
 */
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import type { MailboxSettings } from '../core/mailbox/settings';
import { tlsOptionsFor } from './tls-options';

/** How long to wait for the TCP connection (nodemailer's default is 2 minutes; a user waits less). */
export const SMTP_CONNECTION_TIMEOUT_MS = 20_000;
/** How long to wait for the 220 greeting once connected. */
export const SMTP_GREETING_TIMEOUT_MS = 15_000;
/** Idle time on an open socket before giving up (covers slow DATA answers from filtering servers). */
export const SMTP_SOCKET_TIMEOUT_MS = 60_000;

/** nodemailer options for one (non-pooled) SMTP connection. */
export function smtpOptions(settings: MailboxSettings): SMTPTransport.Options {
	const { smtp } = settings;
	return {
		host: smtp.host,
		port: smtp.port,
		secure: smtp.security === 'tls',
		requireTLS: smtp.security === 'starttls',
		ignoreTLS: smtp.security === 'none',
		auth: { user: settings.user, pass: settings.password },
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
