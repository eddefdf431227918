/**
 * Where the round trips of a send go with a remote mail server (a development tool for issue #10, not part
 * of `npm run bench:send`): `tsx bench/lib/send-trace.ts [count] [rttMs] [warm]` (defaults 100, 25, 0; `warm`: prospects of an
 * untraced run of the node first). Puts the
 * delaying proxies of `bench:send`'s phase 4 on SMTP and IMAP, then sends `count` messages with raw pooled
 * nodemailer and `count` prospects through the SMTP Sequence node in n8n-core's engine (pacing off), and
 * prints, per side, the time per email, the SMTP exchanges per email (each write of commands and the wait
 * for its answer: a round trip), every IMAP command per email with its mean time and connection, and the
 * timeline of a few emails in the middle of the run. Instrumented in-process: imapflow's `exec` (every
 * IMAP command) and nodemailer's `SMTPConnection` (`_sendCommand`, `_onData`, the message stream's writes).
 * Users u57 (sender), u58 and u59 (reset first).
 */
import './env';
import { ImapFlow } from 'imapflow';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { performance } from 'node:perf_hooks';
import { resetMailboxes, stack } from '../../test/helpers/mailstack';
import { startDelayProxy } from './delay-proxy';
import { rawPooledSend } from './raw-send';
import { BODY, SENDER, prospectItems, runSequenceWorkflow } from './workflow';

const COUNT = Number(process.argv[2] ?? 100);
const RTT_MS = Number(process.argv[3] ?? 25);
/** Prospects of an untraced run first (to u59), so n8n's code is warm as in a long-running n8n. */
const WARM = Number(process.argv[4] ?? 0);

/** One traced event: an IMAP command (start to tagged answer) or an SMTP write / answer chunk. */
interface Event {
	kind: 'imap' | 'smtp-out' | 'smtp-in';
	conn: string;
	what: string;
	start: number;
	end: number;
}

let events: Event[] = [];

type Exec = (this: ImapFlow, command: string, attributes?: unknown, options?: unknown) => Promise<unknown>;
const imapProto = ImapFlow.prototype as unknown as { exec: Exec };
const exec = imapProto.exec;
imapProto.exec = async function traced(this: ImapFlow, command: string, attributes?: unknown, options?: unknown): Promise<unknown> {
	const start = performance.now();
	try {
		return await exec.call(this, command, attributes, options);
	} finally {
		const detail = command === 'UID' || command === 'STATUS' ? ` ${JSON.stringify(attributes).slice(0, 60)}` : '';
		events.push({ kind: 'imap', conn: `imap#${this.id}`, what: `${command}${detail}`, start, end: performance.now() });
	}
};

// nodemailer's SMTPConnection internals (not in its typings): the command writer and the socket reader
interface SmtpInternals {
	id: string;
	_sendCommand(str: string, logStr?: string): void;
	_onData(chunk: Buffer): void;
}
const smtpProto = SMTPConnection.prototype as unknown as SmtpInternals;
const sendCommand = smtpProto._sendCommand;
smtpProto._sendCommand = function traced(this: SmtpInternals, str: string, logStr?: string): void {
	const now = performance.now();
	const word = /^(AUTH|[A-Z]+(?: [A-Z]+:)?|\.)/.exec(String(str))?.[1] ?? '?';
	events.push({ kind: 'smtp-out', conn: `smtp#${this.id}`, what: word, start: now, end: now });
	sendCommand.call(this, str, logStr);
};
const onData = smtpProto._onData;
smtpProto._onData = function traced(this: SmtpInternals, chunk: Buffer): void {
	const now = performance.now();
	const codes = String(chunk)
		.split('\r\n')
		.filter((l) => /^\d{3} /.test(l))
		.map((l) => l.slice(0, 3))
		.join('+');
	events.push({ kind: 'smtp-in', conn: `smtp#${this.id}`, what: codes || '…', start: now, end: now });
	onData.call(this, chunk);
};

/** Report over the events of one side: per-email figures between consecutive MAIL FROM writes. */
function report(label: string, list: Event[], count: number, ms: number): void {
	const out = (line: string) => process.stdout.write(`${line}\n`);
	out(`\n== ${label}: ${count} emails in ${Math.round(ms)} ms → ${(ms / count).toFixed(1)} ms per email (${(ms / count / RTT_MS).toFixed(1)} round trips of ${RTT_MS} ms)`);
	const mails = list.filter((e) => e.kind === 'smtp-out' && e.what.startsWith('MAIL')).map((e) => e.start);
	if (mails.length < 10) return;
	const begin = list.reduce((min, e) => Math.min(min, e.start), Infinity);
	out(`before the first MAIL FROM: ${(mails[0] - begin).toFixed(0)} ms from the first traced command (ms from it; IMAP as start–end):`);
	for (const e of list.filter((x) => x.start < mails[0]).sort((a, b) => a.start - b.start)) {
		const when = e.kind === 'imap' ? `${(e.start - begin).toFixed(0)}–${(e.end - begin).toFixed(0)}` : (e.start - begin).toFixed(0);
		out(`  ${when.padStart(11)}  ${e.conn.padEnd(9)} ${e.kind === 'smtp-in' ? '<' : e.kind === 'smtp-out' ? '>' : ' '} ${e.what.slice(0, 90)}`);
	}
	const last = list.reduce((max, e) => Math.max(max, e.end), 0);
	out(`after the last MAIL FROM: ${(last - mails[mails.length - 1]).toFixed(0)} ms to the last traced event`);
	// steady state: the middle half of the run
	const from = mails[Math.floor(mails.length / 4)];
	const to = mails[Math.floor((3 * mails.length) / 4)];
	const emails = Math.floor((3 * mails.length) / 4) - Math.floor(mails.length / 4);
	const inside = list.filter((e) => e.start >= from && e.start < to);
	out(`steady state (middle half, ${emails} emails): ${((to - from) / emails).toFixed(1)} ms between MAIL FROMs`);
	// SMTP: a write that waits for an answer is a round trip; count the answer chunks per email
	const smtpIn = inside.filter((e) => e.kind === 'smtp-in').length;
	const smtpOut = inside.filter((e) => e.kind === 'smtp-out');
	out(`SMTP per email: ${(smtpOut.length / emails).toFixed(2)} command writes (${[...new Set(smtpOut.map((e) => e.what))].join(', ')}), ${(smtpIn / emails).toFixed(2)} answer chunks`);
	// SMTP transaction time: MAIL FROM → the answer after '.'
	const tx: number[] = [];
	const gaps: number[] = [];
	const dataPhase: number[] = [];
	let mailAt: number | undefined;
	let goAt: number | undefined;
	let lastEnd: number | undefined;
	// the message and its final "." go out as a stream after the 354 (not through _sendCommand): the
	// transaction ends with the first 250 after the 354
	for (const e of list.filter((x) => x.kind !== 'imap')) {
		if (e.kind === 'smtp-out' && e.what.startsWith('MAIL')) {
			if (lastEnd !== undefined && e.start >= from && e.start < to) gaps.push(e.start - lastEnd);
			mailAt = e.start;
			goAt = undefined;
		} else if (e.kind === 'smtp-in' && e.what.endsWith('354')) goAt = e.start;
		else if (e.kind === 'smtp-in' && goAt !== undefined && mailAt !== undefined && /^250/.test(e.what)) {
			if (mailAt >= from && mailAt < to) {
				tx.push(e.start - mailAt);
				dataPhase.push(e.start - goAt);
			}
			lastEnd = e.start;
			goAt = undefined;
		}
	}
	const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
	out(`SMTP transaction (MAIL FROM written → 250 after '.'): mean ${mean(tx).toFixed(1)} ms, of which 354 → 250 (message, '.', the server queueing it) ${mean(dataPhase).toFixed(1)} ms; gap 250 → next MAIL FROM: mean ${mean(gaps).toFixed(1)} ms`);
	const imap = inside.filter((e) => e.kind === 'imap');
	if (imap.length > 0) {
		const byKey = new Map<string, number[]>();
		for (const e of imap) {
			const key = `${e.conn.padEnd(8)} ${e.what.replace(/\d{3,}/g, 'N').slice(0, 70)}`;
			byKey.set(key, [...(byKey.get(key) ?? []), e.end - e.start]);
		}
		out('IMAP per email (connection, command: count per email, mean ms):');
		for (const [key, times] of [...byKey].sort()) out(`  ${key.padEnd(80)} ${(times.length / emails).toFixed(2)}  ${mean(times).toFixed(1)} ms`);
		const busy = new Map<string, number>();
		for (const e of imap) busy.set(e.conn, (busy.get(e.conn) ?? 0) + (e.end - e.start));
		out(`IMAP busy time per email and connection: ${[...busy].map(([c, t]) => `${c} ${(t / emails).toFixed(1)} ms`).join(', ')}`);
	}
	// a timeline of three emails in the middle
	const mid = Math.floor(mails.length / 2);
	const t0 = mails[mid];
	const t1 = mails[Math.min(mid + 3, mails.length - 1)];
	out(`timeline of 3 emails (ms from a MAIL FROM; IMAP as start–end):`);
	for (const e of list.filter((x) => x.start >= t0 - 1 && x.start < t1).sort((a, b) => a.start - b.start)) {
		const when = e.kind === 'imap' ? `${(e.start - t0).toFixed(1)}–${(e.end - t0).toFixed(1)}` : (e.start - t0).toFixed(1);
		out(`  ${when.padStart(13)}  ${e.conn.padEnd(9)} ${e.kind === 'smtp-in' ? '<' : e.kind === 'smtp-out' ? '>' : ' '} ${e.what.slice(0, 90)}`);
	}
}

async function main(): Promise<void> {
	await resetMailboxes(SENDER, 'u58', 'u59');
	const smtp = await startDelayProxy({ host: stack.host, port: stack.smtpsPort }, RTT_MS);
	const imap = await startDelayProxy({ host: stack.host, port: stack.imapsPort }, RTT_MS);
	try {
		if (WARM > 0) {
			const warm = await runSequenceWorkflow('send', `trace-warm-${Date.now()}`, prospectItems('u59', WARM), { smtp: smtp.port, imap: imap.port });
			if (warm.error) throw warm.error;
		}
		events = [];
		const rawStart = performance.now();
		events.push({ kind: 'smtp-out', conn: 'raw', what: 'loop starts', start: rawStart, end: rawStart });
		const rawMs = await rawPooledSend(SENDER, 'u59', COUNT, BODY, smtp.port);
		report('raw pooled nodemailer', events, COUNT, rawMs);
		events = [];
		const started = performance.now();
		events.push({ kind: 'smtp-out', conn: 'engine', what: 'run starts', start: started, end: started });
		const result = await runSequenceWorkflow('send', `trace-${Date.now()}`, prospectItems('u58', COUNT), { smtp: smtp.port, imap: imap.port });
		const oursMs = performance.now() - started;
		if (result.error) throw result.error;
		const sent = result.output('SMTP Sequence').filter((item) => item.json.status === 'sent').length;
		report(`SMTP Sequence (${sent} sent)`, events, COUNT, oursMs);
	} finally {
		await smtp.close();
		await imap.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
