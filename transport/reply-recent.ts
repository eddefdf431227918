/**
 * For a manual test run in the editor: the most recent message of the watched folders that the trigger
 * would emit, found by reading the last few messages newest first (read-only, BODY.PEEK[]).
 */
import type { ImapFlow } from 'imapflow';
import type { MailboxSettings } from '../core/mailbox/settings';
import { examineMessage, type ExaminedMessage } from '../core/trigger/examine-message';
import { indexSequenceKeys } from '../core/trigger/sequence-match';
import type { TriggerOptions } from '../core/trigger/trigger-options';
import { withImapClient } from './imap-client';
import { sharedInboundReader } from './inbound-reader';

/** How many of the newest messages of each folder a test run looks at. */
export const RECENT_LIMIT = 50;
/** Read in chunks, newest first, so a match among the newest ends the search early. */
const CHUNK = 10;

/** The newest matching message, with its raw source (for attachments). */
export interface RecentReply {
	examined: ExaminedMessage;
	source: Buffer;
	internalDate: Date;
}

async function newestInFolder(client: ImapFlow, folder: string, options: TriggerOptions, limit: number): Promise<RecentReply | undefined> {
	const mailbox = await client.mailboxOpen(folder, { readOnly: true });
	const keys = indexSequenceKeys(options.sequenceKeys);
	const lowest = Math.max(1, mailbox.exists - limit + 1);
	for (let top = mailbox.exists; top >= lowest; top -= CHUNK) {
		const bottom = Math.max(lowest, top - CHUNK + 1);
		const fetched: { uid: number; source: Buffer; internalDate: Date }[] = [];
		for await (const message of client.fetch(`${bottom}:${top}`, { uid: true, source: true, internalDate: true })) {
			if (message.source) {
				const date = message.internalDate instanceof Date ? message.internalDate : new Date(message.internalDate ?? 0);
				fetched.push({ uid: message.uid, source: message.source, internalDate: date });
			}
		}
		fetched.sort((a, b) => b.uid - a.uid);
		for (const message of fetched) {
			const examined = examineMessage(await sharedInboundReader().read(message.source), { folder, uid: message.uid }, options, keys);
			if (examined.item) return { examined, source: message.source, internalDate: message.internalDate };
		}
	}
	return undefined;
}

/** Searches the last `limit` messages of each folder; the newest match across folders wins. */
export async function findRecentReply(
	settings: MailboxSettings,
	folders: readonly string[],
	options: TriggerOptions,
	limit = RECENT_LIMIT,
): Promise<RecentReply | undefined> {
	return withImapClient(settings, async (client) => {
		let best: RecentReply | undefined;
		for (const folder of folders) {
			const found = await newestInFolder(client, folder, options, limit);
			if (found && (!best || found.internalDate > best.internalDate)) best = found;
		}
		return best;
	});
}
