/**
 * One ledger read of the bench sequence at transport level — what a run of SMTP Sequence does before it
 * decides anything: open the mailbox sessions, read Sent and the inbound folders (`LedgerView.load`),
 * close. Measured alone, so the figure is the ledger's and not n8n's expression evaluation.
 */
import { performance } from 'node:perf_hooks';
import { parseAddress } from '../../core/mail/address';
import { resolveOptions } from '../../core/sequence/options';
import type { RunProspect } from '../../core/sequence/run-request';
import { LedgerView } from '../../transport/ledger-view';
import { MailboxSessions } from '../../transport/mailbox-sessions';
import { settingsFor } from '../../test/helpers/mailstack';
import { SEQUENCE_KEY, prospect } from './scale-mailboxes';

/** The outcome of one read: time, and each prospect's state in short (to compare two mailboxes). */
export interface LedgerReadResult {
	ms: number;
	/** `lastStep/replied/bounced/autoReply` per prospect, joined. */
	outcome: string;
}

/**
 * Reads the ledger of `indices` (prospect numbers) from `user`'s mailbox; `imapPort` redirects IMAP.
 * `operation` is the run's: `send` opens Sent read-write (SELECT) as a Send run does, `preview` read-only.
 */
export async function readLedger(user: string, indices: readonly number[], imapPort?: number, operation: 'send' | 'preview' = 'send'): Promise<LedgerReadResult> {
	const base = settingsFor(user);
	const settings = imapPort === undefined ? base : { ...base, imap: { ...base.imap, port: imapPort } };
	const prospects: RunProspect[] = indices.map((i, index) => ({ index, address: parseAddress(prospect(i), 'email'), name: `Lead${i}`, stop: false, replied: false, message: { fromName: 'Sam', unsubscribeMailto: `${settings.email}?subject=unsubscribe` } }));
	const options = resolveOptions({ window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' } }, 'UTC');
	const started = performance.now();
	const sessions = await MailboxSessions.open(settings, { operation, checkJunk: true });
	let view: LedgerView;
	try {
		view = new LedgerView({ sequenceKey: SEQUENCE_KEY, prospects, options, settings }, sessions);
		await view.load(operation, false, new Date());
	} finally {
		await sessions.close();
	}
	const ms = performance.now() - started;
	const outcome = prospects
		.map((p) => {
			const s = view.stateOf(p);
			return `${s.lastStep}${s.replied ? 'r' : ''}${s.bounced ? 'b' : ''}${s.autoReply ? 'a' : ''}`;
		})
		.join(',');
	return { ms, outcome };
}
