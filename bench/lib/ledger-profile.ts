/**
 * Where a warm ledger read's time and bytes go, command by command (a development tool for issue #10,
 * not part of `npm run bench:scale`): `tsx bench/lib/ledger-profile.ts [user…]` (default bench-fresh and
 * bench-aged, which `npm run bench:scale` builds). Each user: a warm-up read, 20 + 5 new messages as
 * in the bench, then one profiled read. imapflow's `exec` is wrapped to time every IMAP command and
 * count the socket bytes it moved (plaintext as imapflow sees it, before TLS). `ARRIVE=save|deliver` brings
 * the new mail as `arriveNewMail` does with that mode (default: maildir files).
 */
import './env';
import { ImapFlow } from 'imapflow';
import { performance } from 'node:perf_hooks';
import { readLedger } from './ledger-read';
import { arrivalFrom, arriveNewMail, runProspects } from './scale-mailboxes';

interface Row {
	command: string;
	ms: number;
	up: number;
	down: number;
}

let rows: Row[] | undefined;

type Exec = (this: ImapFlow, command: string, attributes?: unknown, options?: unknown) => Promise<unknown>;
const proto = ImapFlow.prototype as unknown as { exec: Exec };
const exec = proto.exec;
proto.exec = async function profiled(this: ImapFlow, command: string, attributes?: unknown, options?: unknown): Promise<unknown> {
	const socket = (this as unknown as { socket?: { bytesRead: number; bytesWritten: number } }).socket;
	const before = { read: socket?.bytesRead ?? 0, written: socket?.bytesWritten ?? 0 };
	const started = performance.now();
	try {
		return await exec.call(this, command, attributes, options);
	} finally {
		const detail = command === 'UID' || /SEARCH|FETCH/.test(command) ? ` ${JSON.stringify(attributes).slice(0, Number(process.env.DETAIL ?? 80))}` : '';
		rows?.push({
			command: `${command}${detail}`,
			ms: performance.now() - started,
			up: (socket?.bytesWritten ?? 0) - before.written,
			down: (socket?.bytesRead ?? 0) - before.read,
		});
	}
};

async function main(): Promise<void> {
	const users = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['bench-fresh', 'bench-aged'];
	const due = runProspects();
	for (const user of users) {
		await readLedger(user, due);
		await arriveNewMail(user, arrivalFrom(process.env.ARRIVE, 'maildir'));
		rows = [];
		const { ms } = await readLedger(user, due);
		const table = rows;
		rows = undefined;
		const total = table.reduce((sum, r) => ({ ms: sum.ms + r.ms, up: sum.up + r.up, down: sum.down + r.down }), { ms: 0, up: 0, down: 0 });
		process.stdout.write(`\n${user}: read ${Math.round(ms)} ms; commands ${Math.round(total.ms)} ms, ${total.up} B up, ${total.down} B down\n`);
		for (const r of table.sort((a, b) => b.ms - a.ms)) process.stdout.write(`  ${r.ms.toFixed(1).padStart(8)} ms ${String(r.up).padStart(7)} up ${String(r.down).padStart(8)} down  ${r.command}\n`);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
