/**
 * One Report of the bench sequence at transport level (`readSequenceReport`: one session, Sent from the
 * cached index, inbound headers first), for `report_aged_ms` in `npm run bench:scale`.
 */
import { performance } from 'node:perf_hooks';
import { settingsFor } from '../../test/helpers/mailstack';
import { readSequenceReport } from '../../transport/sequence-report';
import { SEQUENCE_KEY } from './scale-mailboxes';

/** Reads the report of the bench sequence from `user`'s mailbox; `imapPort` redirects IMAP. */
export async function readReport(user: string, imapPort?: number): Promise<{ ms: number; outcome: string }> {
	const base = settingsFor(user);
	const settings = imapPort === undefined ? base : { ...base, imap: { ...base.imap, port: imapPort } };
	const started = performance.now();
	const { rows } = await readSequenceReport(
		{ sequenceKey: SEQUENCE_KEY, settings, checkJunk: true },
		{ now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
	);
	const ms = performance.now() - started;
	const total = rows[rows.length - 1];
	return { ms, outcome: `${rows.length} rows, ${total.prospectsStarted} prospects, ${total.emailsSent} sent, ${total.replies} replied, ${total.bounces} bounced` };
}
