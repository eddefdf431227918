/**
 * Builds imapflow clients from resolved mailbox settings. The only place that knows how the credential's
 * security modes map onto imapflow's options.
 */
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { ConnectionError } from '../core/errors';
import type { AccessToken } from '../core/mailbox/access-token';
import type { MailboxSettings } from '../core/mailbox/settings';
import { connectionContext, explainConnectionError, scrubSecrets, secretsOf } from './connection-error';
import { tlsOptionsFor } from './tls-options';

/** How long to wait for the TCP (and TLS) connection. */
export const IMAP_CONNECTION_TIMEOUT_MS = 20_000;
/** How long to wait for the server greeting once connected. */
export const IMAP_GREETING_TIMEOUT_MS = 15_000;
/** Idle socket timeout; IDLE is re-issued well before it (imapflow's maxIdleTime). */
export const IMAP_SOCKET_TIMEOUT_MS = 5 * 60_000;

/**
 * imapflow options for the mailbox; `extra` overrides (e.g. maxIdleTime for the trigger). An OAuth2
 * mailbox needs the `accessToken` to log in with (imapflow then uses OAUTHBEARER or XOAUTH2).
 */
export function imapOptions(settings: MailboxSettings, extra: Partial<ImapFlowOptions> = {}, accessToken?: string): ImapFlowOptions {
	const { imap } = settings;
	if (settings.oauth2 && !accessToken) throw new Error('an OAuth2 mailbox logs in to IMAP through connectImap (it needs a token)');
	return {
		host: imap.host,
		port: imap.port,
		secure: imap.security === 'tls',
		// imapflow upgrades opportunistically when undefined; we want exactly what the user chose
		doSTARTTLS: imap.security === 'starttls' ? true : imap.security === 'none' ? false : undefined,
		auth: accessToken ? { user: settings.user, accessToken } : { user: settings.user, pass: settings.password },
		tls: tlsOptionsFor('IMAP', imap, settings.tls),
		logger: false,
		connectionTimeout: IMAP_CONNECTION_TIMEOUT_MS,
		greetingTimeout: IMAP_GREETING_TIMEOUT_MS,
		socketTimeout: IMAP_SOCKET_TIMEOUT_MS,
		disableAutoIdle: true,
		...extra,
	};
}

/** A new, not yet connected client (password mailboxes, or with the token to log in with). */
export function createImapClient(settings: MailboxSettings, extra: Partial<ImapFlowOptions> = {}, accessToken?: string): ImapFlow {
	return new ImapFlow(imapOptions(settings, extra, accessToken));
}

/** The token each OAuth2 session logged in with: its expiry decides when a long-lived session is replaced. */
const sessionTokens = new WeakMap<ImapFlow, AccessToken>();

/**
 * When a session should be replaced by one with a fresh token (its token's refresh time), for sessions
 * that stay open for hours (the trigger's IDLE). Undefined for password sessions.
 */
export function sessionRefreshAt(client: ImapFlow): number | undefined {
	return sessionTokens.get(client)?.refreshAt;
}

/** Where imapflow's warnings go: n8n's logger in the nodes. */
export interface ImapLog {
	warn(message: string): void;
}

/** How a session is opened, beyond the mailbox settings. */
export interface ImapSessionOptions {
	/** imapflow options over ours (e.g. `maxIdleTime` for the trigger). */
	extra?: Partial<ImapFlowOptions>;
	/**
	 * Receives imapflow's warnings and errors — e.g. "Dropped flags the mailbox does not accept", which
	 * is all imapflow says when a server keeps no custom keywords. Silent without.
	 */
	log?: ImapLog;
	/** Called for each command imapflow sends (counters for tests and benchmarks). */
	onCommand?: () => void;
	/** Called with the new client before it connects (event listeners; a handle to close it meanwhile). */
	attach?: (client: ImapFlow) => void;
}

/** Longest imapflow log line passed on: entries can quote server responses of any length. */
const MAX_LOG_LENGTH = 500;

/** One imapflow log entry as a line: its message, the folder, dropped flags, the error's message. */
function describeLogEntry(entry: unknown): string {
	if (typeof entry !== 'object' || entry === null) return String(entry);
	const { msg, path, dropped, err } = entry as { msg?: unknown; path?: unknown; dropped?: unknown; err?: unknown };
	const parts: string[] = [];
	if (typeof msg === 'string') parts.push(msg);
	if (typeof path === 'string') parts.push(`folder "${path}"`);
	if (Array.isArray(dropped)) parts.push(`flags dropped: ${dropped.map(String).join(' ')}`);
	if (err instanceof Error) parts.push(err.message);
	return parts.join('; ') || 'warning';
}

/**
 * The server's answer to the last command imapflow refused on a session. imapflow resolves some
 * refused commands (SEARCH's NO or BAD) as `false` and only logs the error; `imap-uids.ts` reads it from
 * here so the user learns why.
 */
const lastRefusals = new WeakMap<ImapFlow, { answer?: string }>();

/** The server's answer to the last refused command on `client` ('' when none was recorded). */
export function lastRefusal(client: ImapFlow): string {
	return lastRefusals.get(client)?.answer ?? '';
}

/** The server's text in an imapflow command error (`responseText`, else the response line). */
function refusalText(err: unknown): string | undefined {
	if (typeof err !== 'object' || err === null) return undefined;
	const { responseText, response } = err as { responseText?: unknown; response?: unknown };
	if (typeof responseText === 'string' && responseText) return responseText.slice(0, MAX_LOG_LENGTH);
	if (typeof response === 'string' && response) return response.slice(0, MAX_LOG_LENGTH);
	return undefined;
}

/**
 * imapflow's logger for a session: warnings to `log` (scrubbed, bounded), commands counted, the last
 * refused command's answer kept in `refusal`. Its error-level entries accompany a failed command or a
 * closed connection, which reach our code as the command's rejection or the 'close' event and are
 * reported from there.
 */
function imapLogger(settings: MailboxSettings, session: ImapSessionOptions, refusal: { answer?: string }): ImapFlowOptions['logger'] {
	const { log, onCommand } = session;
	const warn = (entry: unknown) => {
		const err = typeof entry === 'object' && entry !== null ? (entry as { err?: unknown }).err : undefined;
		const answer = refusalText(err);
		if (answer) refusal.answer = answer;
		log?.warn(scrubSecrets(`IMAP ${settings.imap.host}: ${describeLogEntry(entry)}`, secretsOf(settings, 'IMAP')).slice(0, MAX_LOG_LENGTH));
	};
	return {
		debug: (entry: { src?: string; msg?: string }) => {
			// imapflow logs each command it sends as { src: 'c', msg: '<tag> <COMMAND> …' }; SASL and literal
			// continuations are logged too, without a tag
			if (onCommand && entry.src === 'c' && typeof entry.msg === 'string' && /^\S+ [A-Z]/.test(entry.msg)) onCommand();
		},
		info: () => undefined,
		warn,
		error: () => undefined,
		trace: () => undefined,
	};
}

async function connectOnce(settings: MailboxSettings, session: ImapSessionOptions, token: AccessToken | undefined): Promise<ImapFlow> {
	const refusal: { answer?: string } = {};
	const client = createImapClient(settings, { logger: imapLogger(settings, session, refusal), ...session.extra }, token?.value);
	lastRefusals.set(client, refusal);
	// imapflow also emits 'error' on the client; the failing command rejects with the same error
	client.on('error', () => undefined);
	session.attach?.(client);
	try {
		await client.connect();
	} catch (error) {
		client.close();
		throw explainConnectionError(error, connectionContext(settings, 'IMAP'));
	}
	if (token) sessionTokens.set(client, token);
	return client;
}

/**
 * A new client, connected and logged in. Connection and login failures come out explained
 * (ConnectionError, password or tokens scrubbed), and the half-open client is closed before that: no
 * path leaves a socket behind. An OAuth2 mailbox logs in with a token valid beyond the refresh margin;
 * if the server refuses it, once more with a refreshed one (AuthorizationError when none can be had).
 */
export async function connectImap(settings: MailboxSettings, session: ImapSessionOptions = {}): Promise<ImapFlow> {
	const tokens = settings.oauth2?.tokens;
	const token = await tokens?.current();
	try {
		return await connectOnce(settings, session, token);
	} catch (error) {
		const refused = error instanceof ConnectionError && error.code === 'AUTH_FAILED';
		if (!tokens || !token || !refused) throw error;
		return connectOnce(settings, session, await tokens.renew(token.value));
	}
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
export async function withImapClient<T>(settings: MailboxSettings, work: (client: ImapFlow) => Promise<T>, log?: ImapLog): Promise<T> {
	const client = await connectImap(settings, { log });
	try {
		return await work(client);
	} finally {
		await closeImap(client);
	}
}

/** imapflow's internal command runner: its CLOSE handler sends UNSELECT when asked and offered. */
interface CommandRunner {
	run(command: 'CLOSE', options: { unselect: boolean }): Promise<unknown>;
}

/**
 * Leaves the selected folder without expunging: UNSELECT (RFC 3691) where the server offers it, else
 * CLOSE (which removes nothing from a folder opened with EXAMINE). On a large maildir folder Dovecot
 * answers CLOSE only after an expunge pass over the whole folder (0.4–0.5 s on 32,000 messages,
 * `npm run bench:scale`); UNSELECT skips it. imapflow implements UNSELECT in its CLOSE handler (its
 * delete and rename use it) but `mailboxClose()` does not pass the option on, hence the cast to its
 * internal `run`, checked before use.
 */
export async function deselect(client: ImapFlow): Promise<void> {
	const runner = client as unknown as Partial<CommandRunner>;
	if (client.capabilities.has('UNSELECT') && typeof runner.run === 'function') await runner.run('CLOSE', { unselect: true });
	else await client.mailboxClose();
}
