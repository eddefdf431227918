/**
 * Builds imapflow clients from resolved mailbox settings. The only place that knows how the credential's
 * security modes map onto imapflow's options.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import type { MailboxSettings } from '../core/mailbox/settings';
import { explainConnectionError, secretsFor } from './connection-error';
import { tlsOptionsFor } from './tls-options';

/** How long to wait for the TCP (and TLS) connection. */
export const IMAP_CONNECTION_TIMEOUT_MS = 20_000;
/** How long to wait for the server greeting once connected. */
export const IMAP_GREETING_TIMEOUT_MS = 15_000;
/** Idle socket timeout; IDLE is re-issued well before it (imapflow's maxIdleTime). */
export const IMAP_SOCKET_TIMEOUT_MS = 5 * 60_000;

/** imapflow options for the mailbox; `extra` overrides (e.g. maxIdleTime for the trigger). */
export function imapOptions(settings: MailboxSettings, extra: Partial<ImapFlowOptions> = {}): ImapFlowOptions {
	const { imap } = settings;
	return {
		host: imap.host,
		port: imap.port,
		secure: imap.security === 'tls',
		// imapflow upgrades opportunistically when undefined; we want exactly what the user chose
		doSTARTTLS: imap.security === 'starttls' ? true : imap.security === 'none' ? false : undefined,
		auth: { user: settings.user, pass: settings.password },
		tls: tlsOptionsFor('IMAP', imap, settings.tls),
		logger: false,
		connectionTimeout: IMAP_CONNECTION_TIMEOUT_MS,
		greetingTimeout: IMAP_GREETING_TIMEOUT_MS,
		socketTimeout: IMAP_SOCKET_TIMEOUT_MS,
		disableAutoIdle: true,
		...extra,
	};
}

/** A new, not yet connected client. */
export function createImapClient(settings: MailboxSettings, extra: Partial<ImapFlowOptions> = {}): ImapFlow {
	return new ImapFlow(imapOptions(settings, extra));
}

/**
 * Connects a new client, runs `work`, and always logs out (or closes a broken connection). Connection
 * and login failures come out explained (ConnectionError); errors from `work` pass through as they are.
 */
export async function withImapClient<T>(settings: MailboxSettings, work: (client: ImapFlow) => Promise<T>): Promise<T> {
	const client = createImapClient(settings);
	// imapflow also emits 'error' on the client; the failing command rejects with the same error
	client.on('error', () => undefined);
	try {
		try {
			await client.connect();
		} catch (error) {
			throw explainConnectionError(error, { service: 'IMAP', endpoint: settings.imap, secrets: secretsFor(settings.user, settings.password) });
		}
		return await work(client);
	} finally {
		if (client.usable) await client.logout().catch(() => client.close());
		else client.close();
	}
}
