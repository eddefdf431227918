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
 * A new client, connected and logged in. Connection and login failures come out explained
 * (ConnectionError, password scrubbed), and the half-open client is closed before that: no path leaves
 * a socket behind.
 */
export async function connectImap(settings: MailboxSettings, extra: Partial<ImapFlowOptions> = {}): Promise<ImapFlow> {
	const client = createImapClient(settings, extra);
	// imapflow also emits 'error' on the client; the failing command rejects with the same error
	client.on('error', () => undefined);
	try {
		await client.connect();
	} catch (error) {
		client.close();
		throw explainConnectionError(error, { service: 'IMAP', endpoint: settings.imap, secrets: secretsFor(settings.user, settings.password) });
	}
	return client;
}

/**
 * Logs the client out, or closes the socket when the connection is already broken or LOGOUT fails.
 * Never throws: it runs in `finally` blocks and on error paths.
 */
export async function closeImap(client: ImapFlow | undefined): Promise<void> {
	if (!client) return;
	if (client.usable) {
		try {
			await client.logout();
		} catch {
			// LOGOUT failed (timeout, connection dropped meanwhile): the socket must still go
		}
	}
	client.close();
}

/**
 * Connects a new client, runs `work`, and always logs out (or closes a broken connection). Connection
 * and login failures come out explained (ConnectionError); errors from `work` pass through as they are.
 */
export async function withImapClient<T>(settings: MailboxSettings, work: (client: ImapFlow) => Promise<T>): Promise<T> {
	const client = await connectImap(settings);
	try {
		return await work(client);
	} finally {
		await closeImap(client);
	}
}
