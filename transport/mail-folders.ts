/**
 * Finds the mailbox's special folders. RFC 6154 SPECIAL-USE names them (`\Sent`, `\Junk`); servers
 * without it get the names mail clients create by convention.
 */
import type { ImapFlow } from 'imapflow';
import { SequenceError } from '../core/errors';

/** Common names of the Sent folder on servers without SPECIAL-USE, most common first. */
const SENT_NAMES = ['Sent', 'Sent Items', 'Sent Messages', 'Sent Mail', 'INBOX.Sent', 'INBOX/Sent', '[Gmail]/Sent Mail'];
/** Common names of the spam folder on servers without SPECIAL-USE. */
const JUNK_NAMES = ['Junk', 'Spam', 'Junk E-mail', 'Junk Email', 'INBOX.Junk', 'INBOX/Junk', 'INBOX.Spam', '[Gmail]/Spam'];

async function findFolder(client: ImapFlow, specialUse: string, names: string[]): Promise<string | undefined> {
	const folders = await client.list();
	const bySpecialUse = folders.find((f) => f.specialUse === specialUse);
	if (bySpecialUse) return bySpecialUse.path;
	const byPath = new Map(folders.map((f) => [f.path.toLowerCase(), f.path]));
	for (const name of names) {
		const found = byPath.get(name.toLowerCase());
		if (found) return found;
	}
	return undefined;
}

/** The Sent folder's path; throws IMAP_NO_SENT_FOLDER when the mailbox has none. */
export async function findSentFolder(client: ImapFlow): Promise<string> {
	const path = await findFolder(client, '\\Sent', SENT_NAMES);
	if (!path) {
		throw new SequenceError('IMAP_NO_SENT_FOLDER', 'The mailbox has no Sent folder (none is marked \\Sent and none is named "Sent").', {
			hint: 'Create a folder named "Sent" in your mail client; the sequence keeps its history there.',
		});
	}
	return path;
}

/** The Junk/Spam folder's path, if the mailbox has one. */
export async function findJunkFolder(client: ImapFlow): Promise<string | undefined> {
	return findFolder(client, '\\Junk', JUNK_NAMES);
}
