/**
 * Which folders the trigger watches: INBOX, optionally the Junk folder found by its SPECIAL-USE flag
 * (RFC 6154 "\Junk"), and any folder the user names. Resolved once at activation.
 */
import { SequenceError } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { withImapClient } from './imap-client';
import { findJunkFolder } from './mail-folders';

/** The user's choice. */
export interface FolderChoice {
	/** Also watch the Junk/Spam folder, when the mailbox has one. */
	junk: boolean;
	/** More folder paths, exactly as the server names them. */
	extra: readonly string[];
}

/** INBOX alone needs no lookup; anything else is checked against the server's folder list. */
export async function resolveWatchedFolders(settings: MailboxSettings, choice: FolderChoice): Promise<string[]> {
	const folders = ['INBOX'];
	if (!choice.junk && choice.extra.length === 0) return folders;
	return withImapClient(settings, async (client) => {
		if (choice.junk) {
			// like SMTP Sequence's "Also Check Junk Folder": watched when the mailbox has one (on by default)
			const junk = await findJunkFolder(client);
			if (junk) folders.push(junk);
		}
		if (choice.extra.length > 0) {
			const list = await client.list();
			for (const path of choice.extra) {
				const found = list.find((f) => f.path === path) ?? list.find((f) => f.path.toLowerCase() === path.toLowerCase());
				if (!found) {
					throw new SequenceError('INVALID_PARAMETER', `The folder "${path}" does not exist in this mailbox.`, {
						hint: `Folders found: ${list.map((f) => f.path).join(', ')}`,
					});
				}
				folders.push(found.path);
			}
		}
		return [...new Set(folders)];
	});
}
