/**
 * The IMAP sessions of one SMTP Sequence run, few and short-lived (docs/design.md, "Connections per
 * mailbox"):
 *
 * - `sent`: opened first, with Sent selected (read-only for Preview). It reads the whole ledger — Sent,
 *   then INBOX/Junk — and, once the run sends, claims steps in Sent. A Preview, or a run with nothing due,
 *   needs no other connection.
 * - `inbox` and `confirm` (Send, only when a step is due, `openForSending`): the re-check of the inbound
 *   folders before each send, beside the claim; and a second session on Sent that records SMTP
 *   acceptances while `sent` claims the next step.
 *
 * Servers cap simultaneous connections per user (Dovecot 10 per user and address, Gmail 15). When one
 * refuses for that reason, the sessions this call opened are closed again and the whole set is retried
 * after a pause — holding some while waiting for more could leave several runs each waiting for the
 * others — until the run's time budget ends; then the refusal is reported, naming the limit.
 */
import type { ImapFlow } from 'imapflow';
import { SequenceError } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { closeImap, connectImap, type ImapLog } from './imap-client';
import { commandError } from './imap-uids';
import { findJunkFolder, findSentFolder } from './mail-folders';
import { keepsKeywords } from './sent-claim';

/** Which sessions and folders a run needs. */
export interface SessionNeeds {
	operation: 'send' | 'preview';
	/** Read the Junk folder too (when the mailbox has one). */
	checkJunk: boolean;
}

/** How long a run may wait for a free connection, and its clock. */
export interface ConnectionWait {
	/** Give up waiting at this time (ms since the epoch): the run's own deadline. */
	deadline: number;
	now(): number;
	sleep(ms: number): Promise<void>;
	/** In [0, 1): spreads the retries of runs refused at the same moment. */
	random(): number;
}

/** First pause after a refusal at the connection limit; doubled up to {@link LIMIT_RETRY_MAX_MS}. */
export const LIMIT_RETRY_FIRST_MS = 1_000;
/** Longest pause between two attempts. */
export const LIMIT_RETRY_MAX_MS = 15_000;

/** Options of {@link MailboxSessions.open}. */
export interface SessionOptions {
	log?: ImapLog;
	/** Wait for a free connection when the server is at its limit; without, a refusal fails at once. */
	wait?: ConnectionWait;
}

/**
 * Opens `count` sessions, all or none. A refusal at the connection limit closes the ones that did open,
 * waits (1 s, 2 s, 4 s … 15 s, each ± 25 %) and tries again until `wait.deadline`.
 */
export async function connectAll(settings: MailboxSettings, count: number, options: SessionOptions): Promise<ImapFlow[]> {
	const { wait, log } = options;
	const started = wait?.now() ?? 0;
	for (let attempt = 1; ; attempt++) {
		// QRESYNC (RFC 7162), where the server has it: the ledger's indexes re-sync by HIGHESTMODSEQ (`imap-uids.ts`
		// changesSince). With it, Dovecot puts the UID in the flag changes it reports unasked, so every FETCH
		// keeps only its answers (`answersFetch`; docs/design.md "Ledger re-sync by QRESYNC")
		const opened = await Promise.allSettled(Array.from({ length: count }, () => connectImap(settings, { log, extra: { qresync: true } })));
		const clients = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
		const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
		if (!refused) return clients;
		await Promise.all(clients.map((c) => closeImap(c)));
		const error = refused.reason as unknown;
		if (!(error instanceof SequenceError) || error.code !== 'CONNECTION_LIMIT' || !wait) throw error;
		const pause = Math.min(LIMIT_RETRY_MAX_MS, LIMIT_RETRY_FIRST_MS * 2 ** Math.min(attempt - 1, 10)) * (0.75 + wait.random() / 2);
		if (wait.now() + pause >= wait.deadline) {
			const waited = Math.round((wait.now() - started) / 1000);
			throw new SequenceError('CONNECTION_LIMIT', `${error.message} This run needed ${count} more connection${count === 1 ? '' : 's'} and waited ${waited} s for them, until its time budget ran out.`, {
				hint: error.hint,
			});
		}
		await wait.sleep(pause);
	}
}

/** The open sessions and the folders they found. */
export class MailboxSessions {
	private inboxSession?: ImapFlow;
	private confirmSession?: ImapFlow;

	private constructor(
		private readonly settings: MailboxSettings,
		private readonly options: SessionOptions,
		private readonly operation: 'send' | 'preview',
		/** Reads the ledger; claims steps in Sent once the run sends. */
		readonly sent: ImapFlow,
		readonly sentPath: string,
		/** INBOX, and Junk when asked for and found. */
		readonly inboundFolders: string[],
		/**
		 * Sent keeps `$SeqClaim`/`$SeqSent` (`keepsKeywords`, read from PERMANENTFLAGS when a Send run selects
		 * it read-write; a Preview stores nothing and leaves it true).
		 */
		readonly sentKeepsKeywords: boolean,
	) {}

	/** Reads and re-checks the inbound folders: its own session once the run sends, else `sent`'s. */
	get inbox(): ImapFlow {
		return this.inboxSession ?? this.sent;
	}

	/** Records SMTP acceptances (Sent selected), once the run sends. */
	get confirm(): ImapFlow | undefined {
		return this.confirmSession;
	}

	/** How many connections are open. */
	get connections(): number {
		return 1 + (this.inboxSession ? 1 : 0) + (this.confirmSession ? 1 : 0);
	}

	/**
	 * Logs in the first session, finds Sent (and Junk) and selects Sent. If anything fails, the session is
	 * closed before the error is thrown.
	 */
	static async open(settings: MailboxSettings, needs: SessionNeeds, options: SessionOptions = {}): Promise<MailboxSessions> {
		const [client] = await connectAll(settings, 1, options);
		try {
			const sentPath = await findSentFolder(client);
			const inboundFolders = ['INBOX'];
			if (needs.checkJunk) {
				const junk = await findJunkFolder(client);
				if (junk) inboundFolders.push(junk);
			}
			const readOnly = needs.operation === 'preview';
			await selectSent(client, sentPath, readOnly);
			// RFC 3501 §7.1: PERMANENTFLAGS comes with a read-write SELECT (EXAMINE lists none that stick)
			const keywords = readOnly || keepsKeywords(client.mailbox ? client.mailbox.permanentFlags : undefined);
			return new MailboxSessions(settings, options, needs.operation, client, sentPath, inboundFolders, keywords);
		} catch (error) {
			await closeImap(client);
			throw error;
		}
	}

	/**
	 * Before the first send: opens the `inbox` and `confirm` sessions (waiting for free connections as
	 * `open` does) and selects Sent read-write on `sent` and `confirm`. Once per run.
	 */
	async openForSending(): Promise<void> {
		if (this.operation !== 'send' || this.inboxSession) return;
		const [inbox, confirm] = await connectAll(this.settings, 2, this.options);
		this.inboxSession = inbox;
		this.confirmSession = confirm;
		// reading INBOX/Junk on `sent` left no folder selected there
		await Promise.all([selectSent(this.sent, this.sentPath, false), selectSent(confirm, this.sentPath, false)]);
	}

	/** Logs every session out (closing any that cannot). Never throws. */
	async close(): Promise<void> {
		await Promise.all([this.sent, this.inboxSession, this.confirmSession].map((c) => closeImap(c)));
	}
}

async function selectSent(client: ImapFlow, path: string, readOnly: boolean): Promise<void> {
	const box = client.mailbox;
	if (box && box.path === path && box.readOnly === readOnly) return;
	try {
		await client.mailboxOpen(path, { readOnly });
	} catch (error) {
		throw commandError(error, 'opening the folder', path);
	}
}
