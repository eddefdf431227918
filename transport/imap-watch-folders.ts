/**
 * Which folders the trigger watches: INBOX, optionally the Junk folder found by its SPECIAL-USE flag
 * (RFC 6154 "\Junk"), and any folder the user names. Resolved once at activation.
 */
import { SequenceError } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { explainConnectionError, secretsFor } from './connection-error';
import { createImapClient } from './imap-client';

/** Names used for junk folders by servers that do not advertise SPECIAL-USE. */
const JUNK_NAMES = ['junk', 'spam', 'junk e-mail', 'junk email', 'bulk mail', '[gmail]/spam'];

/** The user's choice. */
export interface FolderChoice {
	/** Also watch the Junk/Spam folder. */
	junk: boolean;
	/** More folder paths, exactly as the server names them. */
	extra: readonly string[];
}

/** INBOX alone needs no lookup; anything else is checked against the server's folder list. */
export async function resolveWatchedFolders(settings: MailboxSettings, choice: FolderChoice): Promise<string[]> {
	const folders = ['INBOX'];
	if (!choice.junk && choice.extra.length === 0) return folders;
	const client = createImapClient(settings);
	client.on('error', () => undefined);
	try {
		await client.connect();
		const list = await client.list();
		if (choice.junk) {
			const junk = list.find((f) => f.specialUse === '\\Junk') ?? list.find((f) => JUNK_NAMES.includes(f.path.toLowerCase()));
			if (!junk) {
				throw new SequenceError('INVALID_PARAMETER', 'This mailbox has no Junk/Spam folder (none is marked \\Junk and none is named Junk or Spam).', {
					hint: 'Turn off "Watch Junk Folder", or name the folder under "Other Folders".',
				});
			}
			folders.push(junk.path);
		}
		for (const path of choice.extra) {
			const found = list.find((f) => f.path === path) ?? list.find((f) => f.path.toLowerCase() === path.toLowerCase());
			if (!found) {
				throw new SequenceError('INVALID_PARAMETER', `The folder "${path}" does not exist in this mailbox.`, {
					hint: `Folders found: ${list.map((f) => f.path).join(', ')}`,
				});
			}
			folders.push(found.path);
		}
		return [...new Set(folders)];
	} catch (error) {
		if (error instanceof SequenceError) throw error;
		throw explainConnectionError(error, { service: 'IMAP', endpoint: settings.imap, secrets: secretsFor(settings.user, settings.password) });
	} finally {
		if (client.usable) await client.logout().catch(() => client.close());
		else client.close();
	}
}
