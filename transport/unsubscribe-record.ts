/**
 * Files the unsubscribe record (`core/mail/unsubscribe-record.ts`) in the sender's INBOX, once: a record
 * with the same Message-ID already there (a provider that POSTs twice, a prospect who clicks again)
 * files nothing. Two requests at the very same moment may both file one; the ledger counts the earliest.
 */
import type { MailboxSettings } from '../core/mailbox/settings';
import { unsubscribeRecord, unsubscribeRecordId, type UnsubscribeRecordInput } from '../core/mail/unsubscribe-record';
import { lastRefusal, withImapClient } from './imap-client';
import { commandError, searchUids } from './imap-uids';

const FOLDER = 'INBOX';

/** `recorded` when this call filed the record, `alreadyRecorded` when one was there. */
export type RecordOutcome = 'recorded' | 'alreadyRecorded';

/** Files the record of `input` in INBOX unless it is there already. */
export async function fileUnsubscribeRecord(settings: MailboxSettings, input: Omit<UnsubscribeRecordInput, 'sender'>): Promise<RecordOutcome> {
	const record: UnsubscribeRecordInput = { ...input, sender: settings.email };
	const messageId = unsubscribeRecordId(record.sequenceKey, record.prospect, record.sender);
	return withImapClient(settings, async (client) => {
		const lock = await client.getMailboxLock(FOLDER).catch((error: unknown) => {
			throw commandError(error, 'opening the folder', FOLDER);
		});
		try {
			const found = await searchUids(client, { header: { 'message-id': messageId } }, FOLDER, 'looking for an earlier unsubscribe record', 1_000);
			if (found.length > 0) return 'alreadyRecorded';
			let appended: Awaited<ReturnType<typeof client.append>>;
			try {
				appended = await client.append(FOLDER, unsubscribeRecord(record), [], record.date);
			} catch (error) {
				throw commandError(error, 'filing the unsubscribe record', FOLDER);
			}
			// imapflow resolves a refused APPEND as false and only logs the server's answer
			if (!appended) throw commandError({ responseText: lastRefusal(client) || 'APPEND was refused, no reason given' }, 'filing the unsubscribe record', FOLDER);
			return 'recorded';
		} finally {
			lock.release();
		}
	});
}
