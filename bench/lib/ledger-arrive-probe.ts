/**
 * Probe (docs/benchmarks.md, "What the aged folders cost the server"; not part of bench:scale): the bench's warm ledger phase (readLedger through the counting
 * proxy, warm-up then RUNS alternating runs, 20 INBOX + 5 Sent new messages before each measured run),
 * with the new mail delivered either as maildir file writes (ARRIVE=maildir, what bench:scale does) or
 * through Dovecot's own save code (ARRIVE=save: `doveadm save`, the path LMTP delivery and IMAP APPEND
 * take; the only way into an mdbox user).
 *
 *   eval "$(bash test/mailstack/slot-env.sh 3)"; ARRIVE=save RUNS=5 npx tsx bench/lib/ledger-arrive-probe.ts
 */
import './env';
import { execFileSync } from 'node:child_process';
import { readLedger } from './ledger-read';
import { startCountingProxy } from './counting-proxy';
import { addressOf, stack } from '../../test/helpers/mailstack';
import { deliverToMaildir } from '../../test/helpers/maildir-seed';
import { everydayInbound, everydaySent } from '../../test/helpers/scale-mail';
import { runProspects } from './scale-mailboxes';

const RUNS = Number(process.env.RUNS ?? 5);
const ARRIVE = process.env.ARRIVE ?? 'maildir';
const TAG = 'bench-scale-new';
const CONF = `${process.env.MAILSTACK_BASE}/dovecot/dovecot.conf`;
let n = 0;
async function arrive(user: string): Promise<void> {
	const me = addressOf(user);
	const now = new Date();
	const tag = (m: { raw: string; receivedAt: Date }) => ({ ...m, raw: m.raw.replace(/^Subject: /m, `Subject: ${TAG} `) });
	const inbound = Array.from({ length: 20 }, (_, i) => tag(everydayInbound(800_000 + n + i, me, now)));
	const sent = Array.from({ length: 5 }, (_, i) => tag(everydaySent(800_000 + n + i, me, now)));
	n += 20;
	if (ARRIVE === 'maildir') {
		await deliverToMaildir(user, 'INBOX', inbound);
		await deliverToMaildir(user, 'Sent', sent);
		return;
	}
	for (const [folder, list] of [['INBOX', inbound], ['Sent', sent]] as const)
		for (const m of list) execFileSync('doveadm', ['-c', CONF, 'save', '-u', me, '-m', folder], { input: m.raw });
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
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
				await arrive(u);
				proxy.reset();
				const res = await readLedger(u, due, proxy.port);
				ms[u].push(Math.round(res.ms));
				bytes[u].push(proxy.bytes.down + proxy.bytes.up);
				outcome[u] = res.outcome;
			}
	} finally {
		for (const u of users) for (const f of ['INBOX', 'Sent']) execFileSync('doveadm', ['-c', CONF, 'expunge', '-u', addressOf(u), 'mailbox', f, 'subject', TAG]);
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
