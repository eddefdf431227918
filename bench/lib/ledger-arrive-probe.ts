/**
 * Probe (docs/benchmarks.md, "What the aged folders cost the server"; not part of bench:scale): the bench's warm ledger phase (readLedger through the counting
 * proxy, warm-up then RUNS alternating runs, 20 INBOX + 5 Sent new messages before each measured run),
 * with the new mail delivered as maildir file writes (ARRIVE=maildir, what bench:scale did up to run
 * 6), as on a real server (ARRIVE=deliver, bench:scale's default since: INBOX saved by Dovecot, Sent by
 * APPEND \Seen), or both folders through Dovecot's own save code (ARRIVE=save: `doveadm save`).
 *
 *   eval "$(bash test/mailstack/slot-env.sh 3)"; ARRIVE=save RUNS=5 npx tsx bench/lib/ledger-arrive-probe.ts
 */
import './env';
import { readLedger } from './ledger-read';
import { startCountingProxy } from './counting-proxy';
import { addressOf, mailstack, stack } from '../../test/helpers/mailstack';
import { NEW_MAIL_TAG, arrivalFrom, arriveNewMail, runProspects } from './scale-mailboxes';
import { median } from './stats';

const RUNS = Number(process.env.RUNS ?? 5);
const ARRIVE = arrivalFrom(process.env.ARRIVE, 'maildir');
async function main(): Promise<void> {
	const proxy = await startCountingProxy({ host: stack.host, port: stack.imapsPort });
	const due = runProspects();
	const users = ['bench-fresh', 'bench-aged'];
	const ms: Record<string, number[]> = { 'bench-fresh': [], 'bench-aged': [] };
	const bytes: Record<string, number[]> = { 'bench-fresh': [], 'bench-aged': [] };
	const outcome: Record<string, string> = {};
	try {
		for (const u of users) await readLedger(u, due, proxy.port);
		for (let r = 0; r < RUNS; r++)
			for (const u of users) {
				await arriveNewMail(u, ARRIVE);
				proxy.reset();
				const res = await readLedger(u, due, proxy.port);
				ms[u].push(Math.round(res.ms));
				bytes[u].push(proxy.bytes.down + proxy.bytes.up);
				outcome[u] = res.outcome;
			}
	} finally {
		for (const u of users) for (const f of ['INBOX', 'Sent']) await mailstack('doveadm', 'expunge', '-u', addressOf(u), 'mailbox', f, 'subject', NEW_MAIL_TAG);
		await proxy.close();
	}
	for (const u of users) console.log(`ARRIVE=${ARRIVE} ${u}: ${ms[u].join(' / ')} ms → median ${median(ms[u])} ms, bytes median ${median(bytes[u])}`);
	console.log(`ledger_ratio ${(median(ms['bench-aged']) / median(ms['bench-fresh'])).toFixed(2)}; same answers: ${outcome['bench-aged'] === outcome['bench-fresh']}`);
	process.exit(0);
}
main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
