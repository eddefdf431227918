/**
 * One SMTP connection for a whole run, sending one message at a time, that knows how far each
 * transaction got — which decides whether a failure left the message unsent or possibly delivered:
 *
 * - a final 4xx/5xx reply (to MAIL, RCPT, DATA, or after the message's final ".") → the server took
 *   responsibility for nothing: `SmtpRejection`;
 * - no reply, and the message was not handed over in full → the server cannot have the final "." and,
 *   by RFC 5321 §4.1.1.4, delivers nothing: the connection's `ConnectionError`;
 * - no reply after the whole message was handed over (the final "." follows it at once): the server may
 *   have queued it (a content filter answering after our timeout, a reset after DATA) — `SMTP_UNCONFIRMED`.
 *
 * nodemailer's pool hides the transaction's progress, so this drives its SMTPConnection directly: the
 * message goes in as our own stream, which SMTPConnection reads only after the server's 354, and whose
 * end means the last byte before the final "." was handed over.
 */
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import XOAuth2 from 'nodemailer/lib/xoauth2';
import { SequenceError } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { scrubSecrets, secretsOf } from './connection-error';
import { SMTP_SOCKET_TIMEOUT_MS, smtpOptions } from './smtp-client';
import { toSendError, type SmtpAccepted } from './smtp-send';

/** Tunables of a session. */
export interface SmtpSessionTuning {
	/**
	 * Idle time on the socket before giving up, also while waiting for the answer after DATA.
	 * @default SMTP_SOCKET_TIMEOUT_MS (60 s)
	 */
	socketTimeoutMs: number;
}

/** How far one transaction got. */
interface Progress {
	/** The server answered 354 and the message stream was read from. */
	dataStarted: boolean;
	/** Every byte of the message was handed over; only the final "." and the reply were left. */
	handedOver: boolean;
}

/** The login nodemailer's SMTPConnection takes, from the transport options (password or OAuth2). */
function loginOf(auth: ReturnType<typeof smtpOptions>['auth']): Parameters<SMTPConnection['login']>[0] | undefined {
	if (!auth) return undefined;
	if ('type' in auth && typeof auth.type === 'string' && auth.type.toUpperCase() === 'OAUTH2') {
		// what nodemailer's SMTP transport does with an OAuth2 `auth` before it logs a connection in
		const options = auth as XOAuth2.Options;
		return { type: 'OAUTH2', user: options.user, method: 'XOAUTH2', oauth2: new XOAuth2(options) } as Parameters<SMTPConnection['login']>[0];
	}
	const { user, pass } = auth as { user?: string; pass?: string };
	return { credentials: { user: user ?? '', pass: pass ?? '' } };
}

/** Whether a nodemailer error carries a complete 4xx/5xx server reply (not a login failure). */
function hasFinalReply(error: unknown): boolean {
	const { responseCode, code } = (typeof error === 'object' && error !== null ? error : {}) as { responseCode?: unknown; code?: unknown };
	return code !== 'EAUTH' && typeof responseCode === 'number' && responseCode >= 400 && responseCode < 600;
}

/** Sends raw messages over one connection, reconnecting when the server closed it meanwhile. */
export class SmtpSession {
	private connection?: SMTPConnection;
	/** The connection being opened (by `warmUp` or a send), if one is. */
	private opening?: Promise<SMTPConnection>;
	/** The connection `opening` is opening. */
	private pending?: SMTPConnection;
	/** Bumped by `close`: a connection whose opening began before is closed as soon as it is open. */
	private generation = 0;
	/** Whether `connection` has carried a transaction (only such a kept connection gets a second try). */
	private carried = false;
	private readonly tuning: SmtpSessionTuning;

	constructor(
		private readonly settings: MailboxSettings,
		tuning: Partial<SmtpSessionTuning> = {},
	) {
		this.tuning = { socketTimeoutMs: SMTP_SOCKET_TIMEOUT_MS, ...tuning };
	}

	/**
	 * Sends `raw` to one recipient. Resolves with the server's answer; rejects with `SmtpRejection` (a
	 * final 4xx/5xx), a `ConnectionError` (nothing delivered), or a SequenceError `SMTP_UNCONFIRMED`.
	 */
	async send(envelope: { from: string; to: string }, raw: Buffer): Promise<SmtpAccepted> {
		const reused = this.connection !== undefined && this.carried;
		try {
			return await this.transaction(envelope, raw);
		} catch (failure) {
			// a kept connection the server dropped while we paced fails before DATA: once more on a new one
			if (reused && failure instanceof NotStarted) return this.transaction(envelope, raw).catch(unwrap);
			throw unwrap(failure);
		}
	}

	/**
	 * Starts opening and logging in the connection ahead of the first send (the round trips of TLS, EHLO and
	 * AUTH then overlap the first claim). A failure is not reported here: the first send meets it, as if it
	 * had opened the connection itself. Resolves when the opening is over, either way (never rejects).
	 */
	warmUp(): Promise<void> {
		if (this.connection || this.opening) return Promise.resolve();
		const opening = this.connect();
		this.opening = opening;
		return opening.then(
			() => {
				// open now (`connection`): a later send must not take this promise for a connection the server
				// may close meanwhile; a failed opening stays, for the first send to meet
				if (this.opening === opening) this.opening = undefined;
			},
			() => undefined,
		);
	}

	/**
	 * Closes the connection, and one still being opened (`warmUp`); resolves once that one has given up,
	 * so no socket outlives the run.
	 */
	close(): Promise<void> {
		this.generation++;
		const opening = this.opening;
		this.opening = undefined;
		this.pending?.close();
		this.pending = undefined;
		const connection = this.connection;
		this.connection = undefined;
		connection?.close();
		return opening ? opening.then(() => undefined, () => undefined) : Promise.resolve();
	}

	private async transaction(envelope: { from: string; to: string }, raw: Buffer): Promise<SmtpAccepted> {
		const connection = await this.open();
		const progress: Progress = { dataStarted: false, handedOver: false };
		const message = new Readable({
			read() {
				progress.dataStarted = true;
				this.push(raw);
				this.push(null);
			},
		});
		message.on('end', () => (progress.handedOver = true));
		try {
			const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
				connection.send(envelope, message, (error, sent) => (error ? reject(error) : resolve(sent))),
			);
			this.carried = true;
			return { response: scrubSecrets(String(info.response ?? ''), secretsOf(this.settings, 'SMTP')) };
		} catch (error) {
			// the connection's state after a failure is unknown: the next message gets a new one
			void this.close();
			if (hasFinalReply(error)) throw toSendError(error, this.settings);
			if (progress.handedOver) throw this.unconfirmed(envelope.to, error);
			const explained = toSendError(error, this.settings);
			throw progress.dataStarted ? explained : new NotStarted(explained);
		}
	}

	private unconfirmed(to: string, error: unknown): SequenceError {
		const { host, port } = this.settings.smtp;
		const what = error instanceof Error && /timeout/i.test(error.message) ? 'did not answer in time' : 'closed the connection';
		return new SequenceError(
			'SMTP_UNCONFIRMED',
			`SMTP server ${host}:${port} ${what} after the whole message to ${to} was transmitted: it may have accepted it.`,
			{ hint: 'Counted as sent and never sent again (a duplicate would be worse than a missing follow-up). Check the recipient or the server logs if it matters.' },
		);
	}

	/** The open connection, or the one being opened, or a new one, logged in. Failures are explained; nothing was sent. */
	private async open(): Promise<SMTPConnection> {
		if (this.connection) return this.connection;
		const opening = this.opening ?? this.connect();
		this.opening = opening;
		try {
			return await opening;
		} finally {
			if (this.opening === opening) this.opening = undefined;
		}
	}

	/** Opens and logs in a new connection; it becomes `connection` unless `close` was called meanwhile. */
	private async connect(): Promise<SMTPConnection> {
		const generation = this.generation;
		const options = smtpOptions(this.settings);
		const connection = new SMTPConnection({
			host: options.host,
			port: options.port,
			secure: options.secure,
			requireTLS: options.requireTLS,
			ignoreTLS: options.ignoreTLS,
			tls: options.tls,
			connectionTimeout: options.connectionTimeout,
			greetingTimeout: options.greetingTimeout,
			socketTimeout: this.tuning.socketTimeoutMs,
			logger: false,
			debug: false,
		});
		this.pending = connection;
		// once connected, failures reach the callbacks of login/send; 'error' must keep a listener
		connection.on('error', () => undefined);
		connection.once('end', () => {
			if (this.connection === connection) this.connection = undefined;
		});
		try {
			// a refused or failed connection is reported as 'error' (or a bare 'end'), not to the callback
			await new Promise<void>((resolve, reject) => {
				const failed = (error?: Error) => reject(error ?? new Error('Connection closed unexpectedly'));
				connection.once('error', failed);
				connection.once('end', () => failed());
				connection.connect((error) => {
					connection.removeListener('error', failed);
					if (error) reject(error);
					else resolve();
				});
			});
			const login = loginOf(options.auth);
			// like nodemailer's pool: log in only where the server offers AUTH
			const offersAuth = (connection as unknown as { allowsAuth?: boolean }).allowsAuth === true;
			if (login && offersAuth) {
				// a connection closed during the login (`close` while warming up: nodemailer drops the pending
				// callback then) ends with 'end' only: without this the opening never settled and `close` waited for good
				const ended = new Promise<never>((_, reject) => connection.once('end', () => reject(new Error('Connection closed unexpectedly'))));
				ended.catch(() => undefined);
				await Promise.race([new Promise<void>((resolve, reject) => connection.login(login, (error) => (error ? reject(error) : resolve()))), ended]);
			}
		} catch (error) {
			connection.close();
			throw new NotStarted(toSendError(error, this.settings));
		} finally {
			if (this.pending === connection) this.pending = undefined;
		}
		if (generation !== this.generation) {
			// the session was closed while this connection opened (the run ended first)
			connection.close();
			throw new NotStarted(new SequenceError('CONNECTION_CLOSED', 'The SMTP connection was closed before its first message.', { temporary: true }));
		}
		this.connection = connection;
		this.carried = false;
		return connection;
	}
}

/** A failure before the message's data began: nothing reached the server. */
class NotStarted extends Error {
	constructor(readonly failure: SequenceError) {
		super(failure.message);
	}
}

function unwrap(error: unknown): never {
	throw error instanceof NotStarted ? error.failure : error;
}
