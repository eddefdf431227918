/** An IMAP session of a test user with Sent selected, as the SMTP Sequence's claiming session has it. */
import type { ImapFlow } from 'imapflow';
import { createImapClient } from '../../transport/imap-client';
import { findSentFolder } from '../../transport/mail-folders';
import { settingsFor } from './mailstack';

/**
 * Logs `user` in, selects Sent read-write and remembers the session in `open` (the test logs those out
 * after each test). `qresync`: enable QRESYNC first, as a run's sessions do.
 */
export async function openSent(user: string, open: ImapFlow[], options: { qresync?: boolean } = {}): Promise<{ client: ImapFlow; sent: string }> {
	const client = createImapClient(settingsFor(user), options.qresync ? { qresync: true } : {});
	open.push(client);
	await client.connect();
	if (options.qresync && !client.enabled.has('QRESYNC')) throw new Error(`${user}: the server did not enable QRESYNC`);
	const sent = await findSentFolder(client);
	await client.mailboxOpen(sent);
	return { client, sent };
}
