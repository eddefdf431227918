/**
 * The IMAP sessions of one SMTP Sequence run, opened side by side and closed together:
 *
 * - `sent`: Sent selected read-write (read-only for Preview) — reads the ledger, claims steps;
 * - `inbox`: no folder kept selected — reads INBOX/Junk and re-checks them before each send;
 * - `confirm` (Send only): a second session on Sent that records SMTP acceptances while `sent` claims
 *   the next step.
 */
import type { ImapFlow } from 'imapflow';
import type { MailboxSettings } from '../core/mailbox/settings';
import { closeImap, connectImap, type ImapLog } from './imap-client';
import { findJunkFolder, findSentFolder } from './mail-folders';

/** Which sessions and folders a run needs. */
export interface SessionNeeds {
	operation: 'send' | 'preview';
	/** Read the Junk folder too (when the mailbox has one). */
	checkJunk: boolean;
}

/** The open sessions and the folders they found. */
export class MailboxSessions {
	private constructor(
		readonly sent: ImapFlow,
		readonly inbox: ImapFlow,
		readonly confirm: ImapFlow | undefined,
		readonly sentPath: string,
		/** INBOX, and Junk when asked for and found. */
		readonly inboundFolders: string[],
	) {}

	/**
	 * Logs in the sessions side by side, finds Sent (and Junk) and selects Sent. If anything fails, every
	 * session that did open is closed before the error is thrown.
	 */
	static async open(settings: MailboxSettings, needs: SessionNeeds, log?: ImapLog): Promise<MailboxSessions> {
		const connect = () => connectImap(settings, { log });
		const opened = await Promise.allSettled([connect(), connect(), ...(needs.operation === 'send' ? [connect()] : [])]);
		const clients = opened.map((o) => (o.status === 'fulfilled' ? o.value : undefined));
		try {
			const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
			if (refused) throw refused.reason;
			const [sent, inbox, confirm] = clients as [ImapFlow, ImapFlow, ImapFlow | undefined];
			const sentPath = await findSentFolder(sent);
			const inboundFolders = ['INBOX'];
			if (needs.checkJunk) {
				const junk = await findJunkFolder(inbox);
				if (junk) inboundFolders.push(junk);
			}
			await Promise.all([sent.mailboxOpen(sentPath, { readOnly: needs.operation === 'preview' }), confirm?.mailboxOpen(sentPath)]);
			return new MailboxSessions(sent, inbox, confirm, sentPath, inboundFolders);
		} catch (error) {
			await Promise.all(clients.map((c) => closeImap(c)));
			throw error;
		}
	}

	/** Logs every session out (closing any that cannot). Never throws. */
	async close(): Promise<void> {
		await Promise.all([this.sent, this.inbox, this.confirm].map((c) => closeImap(c)));
	}
}
