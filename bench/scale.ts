/**
 * `npm run bench:scale` — what a run costs on a months-old mailbox (issue #10), on the local mail stack
 * (must be running: `npm run mailstack start`). Builds its mailboxes itself (`lib/scale-mailboxes.ts`,
 * maildir writes, reused when present). Every figure is the median of `BENCH_RUNS` (default 3) runs
 * after one warm-up; aged and fresh runs alternate, so a load change on the shared machine moves both.
 *
 *  1. Ledger: the ledger read of a run over the 500 due prospects (`lib/ledger-read.ts`: open the
 *     sessions, `LedgerView.load`, close), aged vs fresh, time and bytes on the IMAP connections (a
 *     counting proxy in front of Dovecot). Before each measured run 20 new messages arrive in INBOX and
 *     5 in Sent ("what is new since the last run"; through the server, see `BENCH_ARRIVE`). Warm: the
 *     process ran the same read before (the folder indexes are cached); cold: the cache is emptied first
 *     (a restarted n8n, another worker).
 *     The read is a Send run's (Sent opened read-write); `BENCH_LEDGER_OP=preview` measures Preview's
 *     (Sent examined read-only) instead.
 *  1b. The same warm ledger read on copies of both mailboxes in Dovecot's mdbox storage (`mdbox`:
 *     bench-fresh-mdbox, bench-aged-mdbox), new mail arriving the same way: on maildir, Dovecot re-reads
 *     a big folder's whole directory after any change, a cost of the server's storage that no client
 *     avoids (docs/benchmarks.md); mdbox has no file per message.
 *  1c. The same warm ledger read on the maildir mailboxes when the user's mail client opens INBOX
 *     between runs (`read`: new mail arrives as in 1, then a SELECT of INBOX, as a phone or webmail does),
 *     which moves delivered files out of `new/`: `ledger_ratio_inbox_read`.
 *  2. Preview of 10,000 prospects through n8n-core's engine, aged vs fresh10k.
 *  3. No size limit: a cold ledger read of 1,000 prospects on a mailbox with 100,000 copies of the
 *     sequence in Sent and 100,000 inbound messages since its first send.
 *  4. Trigger catch-up after a day of downtime: 5,000 new messages, 100 of them replies
 *     (`lib/catchup.ts`, each run in a fresh child process): time to the 100th emit, peak RSS above the
 *     child's idle RSS.
 *  5. An agency's mailbox under the connection limit of 10: a trigger watching INBOX and four Send
 *     workflows at once on the same mailbox (`lib/agency.ts`): all complete, the trigger keeps its IDLE.
 *  6. The Report operation on the aged mailbox (`lib/report-read.ts`), warm and cold (`report_aged_ms`,
 *     `report_cold_aged_ms`): `BENCH_PHASES=report`.
 *  7. Send throughput (`send`): `bench/send.ts` run whole `BENCH_RUNS` times in a child process, loopback and
 *     through the 25 ms round-trip proxies, `BENCH_SEND_MESSAGES` (default 300) emails each side: the
 *     medians of its `ratio` and `ratio_rtt` (`send_ratio_loopback`, `send_ratio_rtt25`).
 *
 * `BENCH_PHASES` (comma-separated: ledger, mdbox, read, cold, preview, 100k, catchup, agency, report, send; default all) runs a
 * subset; the figures of the others are null.
 *
 * Users bench-aged, bench-fresh, their mdbox copies bench-aged-mdbox and bench-fresh-mdbox, bench-fresh10k,
 * bench-100k, bench-catchup, bench-agency and s20 (and bench:send's u57–u60). The last line is one JSON object.
 */
import './lib/env';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ledgerIndexes } from '../transport/index-cache';
import { addressOf, mailstack, stack } from '../test/helpers/mailstack';
import { agencyOnce, type AgencyFigure } from './lib/agency';
import { childFigure } from './lib/child-figure';
import { catchUpInChild, type CatchupFigure } from './lib/catchup';
import { startCountingProxy, type CountingProxy } from './lib/counting-proxy';
import { readLedger } from './lib/ledger-read';
import { readReport } from './lib/report-read';
import { AGED, AGED_MDBOX, FRESH, FRESH_10K, FRESH_MDBOX, HUNDRED_K, MAILBOX_100K, NEW_MAIL_TAG, PROSPECTS, SEQUENCE_KEY, arriveNewMail, arrivalFrom, ensureMailbox, ensureMdboxCopy, runProspects } from './lib/scale-mailboxes';
import { runScaleWorkflow, scaleItems } from './lib/scale-workflow';
import { median } from './lib/stats';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const LEDGER_OPERATION = process.env.BENCH_LEDGER_OP === 'preview' ? 'preview' : 'send';
/**
 * How the new mail before each measured run arrives (`arriveNewMail`): `deliver` (default) as it does on a
 * real server — INBOX through Dovecot's delivery code, Sent by IMAP APPEND with \Seen; `maildir` writes
 * files behind Dovecot's back (runs 1–6; `save` on the mdbox users); `save` both folders through `doveadm save`.
 */
const ARRIVAL = arrivalFrom(process.env.BENCH_ARRIVE, 'deliver');
/** The mdbox users' arrival: maildir files would not reach them, so `maildir` there means `save` (as in run 6). */
const MDBOX_ARRIVAL = ARRIVAL === 'maildir' ? 'save' : ARRIVAL;
/** `BENCH_PHASES=ledger,catchup` runs only those (ledger, mdbox, read, cold, preview, 100k, catchup, agency, report, send); the others print null. */
const PHASES = new Set((process.env.BENCH_PHASES ?? 'ledger,mdbox,read,cold,preview,100k,catchup,agency,report,send').split(',').map((p) => p.trim()));

function log(message: string): void {
	process.stderr.write(`[bench:scale] ${message}\n`);
}

interface Measured {
	ms: number;
	bytes: number;
	connections: number;
	outcome: string;
}

interface Median {
	ms: number;
	bytes: number;
	connections: number;
	outcome: string;
}

async function cleanUp(users: string[]): Promise<void> {
	for (const user of users) {
		for (const folder of ['INBOX', 'Sent']) await mailstack('doveadm', 'expunge', '-u', addressOf(user), 'mailbox', folder, 'subject', NEW_MAIL_TAG).catch(() => undefined);
	}
}

/**
 * Warm-up, then `RUNS` alternating runs of each side; medians, or the error of a side that fails.
 * `prepare` runs before every measured run (not timed).
 */
async function compare(
	label: string,
	sides: { user: string; run: () => Promise<{ ms: number; outcome: string }> }[],
	proxy: CountingProxy,
	prepare: (user: string) => Promise<void> = async () => undefined,
): Promise<(Median | Error)[]> {
	const figures: (Measured[] | Error)[] = sides.map(() => []);
	const once = async (k: number): Promise<Measured | undefined> => {
		if (figures[k] instanceof Error) return undefined;
		try {
			proxy.reset();
			const { ms, outcome } = await sides[k].run();
			return { ms, outcome, bytes: proxy.bytes.down + proxy.bytes.up, connections: proxy.connections.total };
		} catch (error) {
			figures[k] = error instanceof Error ? error : new Error(String(error));
			return undefined;
		}
	};
	for (const k of sides.keys()) await once(k);
	for (let run = 0; run < RUNS; run++) {
		for (const k of sides.keys()) {
			await prepare(sides[k].user);
			const figure = await once(k);
			const list = figures[k];
			if (figure && !(list instanceof Error)) list.push(figure);
		}
	}
	const medians = figures.map((runs): Median | Error =>
		runs instanceof Error
			? runs
			: {
					ms: Math.round(median(runs.map((r) => r.ms))),
					bytes: Math.round(median(runs.map((r) => r.bytes))),
					connections: Math.max(...runs.map((r) => r.connections)),
					outcome: runs[0].outcome,
				},
	);
	sides.forEach((side, k) => {
		const m = medians[k];
		const runs = figures[k];
		if (m instanceof Error || runs instanceof Error) log(`${label} ${side.user}: FAILED: ${m instanceof Error ? m.message : ''}`);
		else log(`${label} ${side.user}: ${runs.map((r) => Math.round(r.ms)).join(' / ')} ms → median ${m.ms} ms, ${m.bytes} bytes, ${m.connections} IMAP connection(s) per run`);
	});
	const ok = medians.filter((m): m is Median => !(m instanceof Error));
	if (ok.some((m) => m.outcome !== ok[0].outcome)) throw new Error(`${label}: the mailboxes gave different answers for the same prospects`);
	return medians;
}

const msOf = (m: Median | Error): number | null => (m instanceof Error ? null : m.ms);
const bytesOf = (m: Median | Error): number | null => (m instanceof Error ? null : m.bytes);
const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Number((a / b).toFixed(2)));

async function preview(user: string, indices: number[], imapPort: number): Promise<{ ms: number; outcome: string }> {
	const started = performance.now();
	const result = await runScaleWorkflow('preview', SEQUENCE_KEY, user, scaleItems(indices), imapPort);
	const ms = performance.now() - started;
	if (result.error) throw result.error;
	const out = result.output('SMTP Sequence');
	const failed = out.find((i) => i.json.status === 'failed');
	if (failed) throw new Error(`${user}: ${JSON.stringify(failed.json.error)}`);
	return { ms, outcome: out.map((i) => `${String(i.json.status)}:${String(i.json.stopReason ?? i.json.step ?? '')}`).join(',') };
}

/** The Report on the aged mailbox, warm (indexes cached) and cold. */
async function reportFigures(proxy: CountingProxy): Promise<{ report_aged_ms: number | null; report_cold_aged_ms: number | null }> {
	const side = (cold: boolean) => ({
		user: AGED.user,
		run: () => {
			if (cold) ledgerIndexes.clear();
			return readReport(AGED.user, proxy.port);
		},
	});
	const [warm] = await compare('report, aged, warm', [side(false)], proxy, (user) => arriveNewMail(user, ARRIVAL));
	const [cold] = await compare('report, aged, cold', [side(true)], proxy, (user) => arriveNewMail(user, ARRIVAL));
	return { report_aged_ms: msOf(warm), report_cold_aged_ms: msOf(cold) };
}

/** What `bench/send.ts` prints last (the phases run here). */
interface SendFigure {
	ratio: number;
	ratio_rtt: number;
}

/** `bench:send`'s loopback and 25 ms round-trip ratios, median of `RUNS` whole runs (null on failure). */
async function sendRatios(): Promise<{ send_ratio_loopback: number | null; send_ratio_rtt25: number | null }> {
	const messages = process.env.BENCH_SEND_MESSAGES ?? '300';
	const runs: SendFigure[] = [];
	try {
		for (let run = 0; run < RUNS; run++) {
			runs.push(await childFigure<SendFigure>('bench:send', path.join(__dirname, 'send.ts'), { env: { BENCH_PHASES: 'loopback,rtt', BENCH_MESSAGES: messages, BENCH_RTT_MESSAGES: messages, BENCH_RTT_MS: '25' } }));
			log(`send, ${messages} emails each side: ratio ${runs[run].ratio} loopback, ${runs[run].ratio_rtt} at a 25 ms round trip`);
		}
	} catch (error) {
		log(`send: FAILED: ${error instanceof Error ? error.message : String(error)}`);
		return { send_ratio_loopback: null, send_ratio_rtt25: null };
	}
	return { send_ratio_loopback: median(runs.map((r) => r.ratio)), send_ratio_rtt25: median(runs.map((r) => r.ratio_rtt)) };
}

async function main(): Promise<void> {
	const shapes = [
		...(PHASES.has('ledger') || PHASES.has('read') || PHASES.has('cold') || PHASES.has('preview') ? [FRESH, AGED] : PHASES.has('report') ? [AGED] : []),
		...(PHASES.has('preview') ? [FRESH_10K] : []),
		...(PHASES.has('100k') ? [MAILBOX_100K] : []),
	];
	for (const shape of shapes) await ensureMailbox(shape, log);
	if (PHASES.has('mdbox')) for (const copy of [FRESH_MDBOX, AGED_MDBOX]) await ensureMdboxCopy(copy, log);
	const proxy = await startCountingProxy({ host: stack.host, port: stack.imapsPort });
	try {
		const due = runProspects();
		const ledgerSide = (user: string, cold: boolean) => ({
			user,
			run: async () => {
				if (cold) ledgerIndexes.clear();
				return readLedger(user, due, proxy.port, LEDGER_OPERATION);
			},
		});
		const skipped: (Median | Error)[] = [new Error('not run'), new Error('not run')];
		const [fresh, aged] = PHASES.has('ledger') ? await compare('ledger, 500 due, warm', [ledgerSide(FRESH.user, false), ledgerSide(AGED.user, false)], proxy, (user) => arriveNewMail(user, ARRIVAL)) : skipped;
		const [mdboxFresh, mdboxAged] = PHASES.has('mdbox')
			? await compare('ledger, 500 due, warm, mdbox', [ledgerSide(FRESH_MDBOX.user, false), ledgerSide(AGED_MDBOX.user, false)], proxy, (user) => arriveNewMail(user, MDBOX_ARRIVAL))
			: skipped;
		const [readFresh, readAged] = PHASES.has('read')
			? await compare('ledger, 500 due, warm, INBOX read by a mail client', [ledgerSide(FRESH.user, false), ledgerSide(AGED.user, false)], proxy, (user) => arriveNewMail(user, 'read'))
			: skipped;
		const [coldFresh, coldAged] = PHASES.has('cold') ? await compare('ledger, 500 due, cold', [ledgerSide(FRESH.user, true), ledgerSide(AGED.user, true)], proxy, (user) => arriveNewMail(user, ARRIVAL)) : skipped;

		const tenK = Array.from({ length: 2 * PROSPECTS }, (_, i) => i);
		const previewSide = (user: string) => ({ user, run: () => preview(user, tenK, proxy.port) });
		const [fresh10k, aged10k] = PHASES.has('preview') ? await compare('Preview of 10,000 (engine), warm', [previewSide(FRESH_10K.user), previewSide(AGED.user)], proxy) : skipped;

		ledgerIndexes.clear();
		const hundred = Array.from({ length: 1_000 }, (_, i) => i * 25);
		let maxCopiesOk: number | null = null;
		if (PHASES.has('100k')) {
			try {
				proxy.reset();
				const read = await readLedger(MAILBOX_100K.user, hundred, proxy.port);
				const wrong = read.outcome.split(',').filter((s) => s !== '4').length;
				if (wrong > 0) throw new Error(`${wrong} of ${hundred.length} prospects did not read as 4 steps sent`);
				maxCopiesOk = HUNDRED_K;
				log(`100,000 copies + 100,000 inbound, cold ledger read of 1,000 prospects: ${Math.round(read.ms)} ms, ${proxy.bytes.down + proxy.bytes.up} bytes`);
			} catch (error) {
				log(`100,000 copies: FAILED: ${error instanceof Error ? error.message : String(error)}`);
			}
		}

		const catchups: CatchupFigure[] = [];
		let catchupError: string | undefined = PHASES.has('catchup') ? undefined : 'not run';
		for (let run = 0; run < RUNS && !catchupError; run++) {
			try {
				catchups.push(await catchUpInChild());
			} catch (error) {
				catchupError = error instanceof Error ? error.message : String(error);
			}
		}
		if (catchupError) log(`trigger catch-up: ${catchupError === 'not run' ? catchupError : `FAILED: ${catchupError}`}`);
		else {
			log(`trigger catch-up, 5,000 new / 100 matching: ${catchups.map((c) => `${Math.round(c.ms)} ms +${c.peakRssDeltaMb} MB`).join(' / ')}`);
			const c = catchups[0];
			log(`trigger catch-up reads: ${c.headersFetched} header sets, ${c.sourcesFetched} sources (${c.sourceBytes} bytes); classification workers started: ${catchups.map((f) => f.workersStarted).join(' / ')}`);
		}

		let agency: AgencyFigure | undefined;
		if (PHASES.has('agency')) {
			try {
				agency = await agencyOnce();
				log(`agency (trigger + 4 Send workflows × 50, limit 10): ${agency.allComplete ? 'all complete' : 'NOT all complete'}, ${agency.sent} sent, ${Math.round(agency.ms)} ms, at most ${agency.peakConnections} connections, trigger sessions ${agency.triggerSessions}${agency.triggerFatal ? `, trigger failed: ${agency.triggerFatal}` : ''}`);
			} catch (error) {
				log(`agency: FAILED: ${error instanceof Error ? error.message : String(error)}`);
			}
		}

		const report = PHASES.has('report') ? await reportFigures(proxy) : { report_aged_ms: null, report_cold_aged_ms: null };
		const send = PHASES.has('send') ? await sendRatios() : { send_ratio_loopback: null, send_ratio_rtt25: null };

		const line = {
			prospects_due: due.length,
			sent_total: 60_000,
			inbound_total: 37_000,
			ledger_fresh_ms: msOf(fresh),
			ledger_aged_ms: msOf(aged),
			ledger_ratio: ratio(msOf(aged), msOf(fresh)),
			bytes_fresh: bytesOf(fresh),
			bytes_aged: bytesOf(aged),
			ledger_operation: LEDGER_OPERATION,
			ledger_mdbox_fresh_ms: msOf(mdboxFresh),
			ledger_mdbox_aged_ms: msOf(mdboxAged),
			ledger_ratio_mdbox: ratio(msOf(mdboxAged), msOf(mdboxFresh)),
			bytes_mdbox_fresh: bytesOf(mdboxFresh),
			bytes_mdbox_aged: bytesOf(mdboxAged),
			ledger_read_fresh_ms: msOf(readFresh),
			ledger_read_aged_ms: msOf(readAged),
			ledger_ratio_inbox_read: ratio(msOf(readAged), msOf(readFresh)),
			ledger_cold_fresh_ms: msOf(coldFresh),
			ledger_cold_aged_ms: msOf(coldAged),
			bytes_cold_fresh: bytesOf(coldFresh),
			bytes_cold_aged: bytesOf(coldAged),
			preview_10k_fresh_ms: msOf(fresh10k),
			preview_10k_aged_ms: msOf(aged10k),
			preview_10k_ratio: ratio(msOf(aged10k), msOf(fresh10k)),
			max_sequence_copies_ok: maxCopiesOk,
			catchup_5k_ms: catchupError ? null : Math.round(median(catchups.map((c) => c.ms))),
			catchup_peak_rss_delta_mb: catchupError ? null : median(catchups.map((c) => c.peakRssDeltaMb)),
			catchup_sources_fetched: catchupError ? null : median(catchups.map((c) => c.sourcesFetched)),
			agency_all_complete: agency ? agency.allComplete && agency.triggerSessions === 1 && agency.triggerFatal === null : false,
			agency_peak_connections: agency?.peakConnections ?? null,
			...report,
			...send,
		};
		process.stdout.write(`${JSON.stringify(line)}\n`);
	} finally {
		await proxy.close();
		await cleanUp([FRESH.user, AGED.user, FRESH_MDBOX.user, AGED_MDBOX.user]);
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
