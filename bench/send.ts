/**
 * `npm run bench:send` — SMTP Sequence throughput on the local mail stack (must be running:
 * `npm run mailstack start`).
 *
 *  1. Reference: raw pooled nodemailer, one connection, 1,000 messages (u57 → u59+N).
 *  2. Ours: the SMTP Sequence node inside n8n-core's engine, one execution with 1,000 prospect items,
 *     pacing off (u57 → u58+N): ledger read, then per send the claim in Sent, inbox re-check, SMTP,
 *     confirm.
 *  1'. The reference again (u57 → u60+N); its rate is the mean of both, so a load change on the
 *     shared machine during the run moves both sides of the ratio alike.
 *  3. Preview of 10,000 prospects through the engine (1,000 of them with a step in Sent), in a child
 *     process whose peak RSS (VmHWM) is reported.
 *
 *  4. The same comparison "in the field" (skipped with `BENCH_RTT_MS=0`): raw pooled nodemailer, ours,
 *     raw again, each through a TCP proxy that adds a 25 ms round trip (`lib/delay-proxy.ts`) on SMTP and
 *     on IMAP, `BENCH_RTT_MESSAGES` (default 300) messages each — real mail servers are remote, and the
 *     ledger's IMAP work then overlaps SMTP instead of competing with the server for the same cores.
 *
 * `BENCH_PHASES` (comma-separated, default all): `loopback` (1, 2, 1'), `preview` (3), `rtt` (4); the JSON
 * line then carries only the figures of the phases run.
 *
 * Between phases the bench waits until Postfix has delivered the previous phase's mail, so background
 * delivery does not eat the next phase's CPU. Uses users u57–u60 (reset first). Last line: one JSON object.
 */
import './lib/env';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resetMailboxes, stack } from '../test/helpers/mailstack';
import { childFigure } from './lib/child-figure';
import { drained } from './lib/inbox';
import { startDelayProxy } from './lib/delay-proxy';
import { rawPooledSend } from './lib/raw-send';
import { BODY, SENDER, prospectItems, runSequenceWorkflow } from './lib/workflow';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1000);
const PREVIEW = Number(process.env.BENCH_PREVIEW ?? 10_000);
const RTT_MS = Number(process.env.BENCH_RTT_MS ?? 25);
const RTT_MESSAGES = Number(process.env.BENCH_RTT_MESSAGES ?? 300);
const PHASES = new Set((process.env.BENCH_PHASES ?? 'loopback,preview,rtt').split(',').map((p) => p.trim()));
const OURS_TO = 'u58';
const RAW_TO = 'u59';
const RAW_AGAIN_TO = 'u60';

function log(message: string): void {
	process.stderr.write(`[bench:send] ${message}\n`);
}

async function ours(sequenceKey: string, count = MESSAGES, ports?: { smtp: number; imap: number }): Promise<number> {
	const items = prospectItems(OURS_TO, count);
	const started = performance.now();
	const result = await runSequenceWorkflow('send', sequenceKey, items, ports);
	const ms = performance.now() - started;
	if (result.error) throw result.error;
	const statuses = new Map<string, number>();
	for (const item of result.output('SMTP Sequence')) statuses.set(String(item.json.status), (statuses.get(String(item.json.status)) ?? 0) + 1);
	if (statuses.get('sent') !== count) throw new Error(`expected ${count} sent, got ${JSON.stringify(Object.fromEntries(statuses))}`);
	return ms;
}

function preview(sequenceKey: string): Promise<{ ms: number; peak_rss_mb: number; items: number; due: number }> {
	return childFigure('preview child', path.join(__dirname, 'lib/preview-child.ts'), { args: [sequenceKey, OURS_TO, String(PREVIEW)] });
}

async function main(): Promise<void> {
	await resetMailboxes(SENDER, OURS_TO, RAW_TO, RAW_AGAIN_TO);
	const sequenceKey = `bench-send-${Date.now()}`;
	const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
	let loopback: Record<string, number> = {};
	if (PHASES.has('loopback')) {
		log(`raw pooled nodemailer: ${MESSAGES} messages`);
		const rawMs = await rawPooledSend(SENDER, RAW_TO, MESSAGES, BODY);
		log(`  ${Math.round(rawMs)} ms; waiting for delivery`);
		await drained(RAW_TO, MESSAGES);

		log(`SMTP Sequence in the engine: ${MESSAGES} prospects, pacing off`);
		const oursMs = await ours(sequenceKey);
		log(`  ${Math.round(oursMs)} ms; waiting for delivery`);
		await drained(OURS_TO, MESSAGES);

		log(`raw pooled nodemailer again: ${MESSAGES} messages`);
		const rawAgainMs = await rawPooledSend(SENDER, RAW_AGAIN_TO, MESSAGES, BODY);
		log(`  ${Math.round(rawAgainMs)} ms; waiting for delivery`);
		await drained(RAW_AGAIN_TO, MESSAGES);

		const oursRate = MESSAGES / (oursMs / 1000);
		const rawRate = (MESSAGES / (rawMs / 1000) + MESSAGES / (rawAgainMs / 1000)) / 2;
		log(`rates: ours ${oursRate.toFixed(1)}/s, nodemailer ${(MESSAGES / (rawMs / 1000)).toFixed(1)}/s before and ${(MESSAGES / (rawAgainMs / 1000)).toFixed(1)}/s after`);
		loopback = { ours_msgs_per_s: round(oursRate), nodemailer_msgs_per_s: round(rawRate), ratio: round(oursRate / rawRate, 3) };
	}

	let previewed: Record<string, number> = {};
	if (PHASES.has('preview')) {
		// the preview reads the history the loopback phase left (1,000 of the prospects with a step in Sent)
		log(`Preview: ${PREVIEW} prospects in a child process`);
		const p = await preview(sequenceKey);
		if (p.items !== PREVIEW) throw new Error(`preview returned ${p.items} items, expected ${PREVIEW}`);
		log(`  ${p.ms} ms, peak RSS ${p.peak_rss_mb} MB, ${p.due} due`);
		previewed = { preview_10k_ms: p.ms, preview_10k_peak_rss_mb: p.peak_rss_mb };
	}

	const field = RTT_MS > 0 && PHASES.has('rtt') ? await inTheField() : undefined;
	process.stdout.write(
		`${JSON.stringify({
			...loopback,
			...(field
				? {
						rtt_ms: RTT_MS,
						rtt_messages: RTT_MESSAGES,
						ours_msgs_per_s_rtt: round(field.ours),
						nodemailer_msgs_per_s_rtt: round(field.raw),
						ratio_rtt: round(field.ours / field.raw, 3),
					}
				: {}),
			...previewed,
		})}\n`,
	);
}

/** Phase 4: raw, ours, raw again through delaying proxies on SMTP and IMAP; the rates (messages/s). */
async function inTheField(): Promise<{ ours: number; raw: number }> {
	await resetMailboxes(OURS_TO, RAW_TO, RAW_AGAIN_TO);
	const smtp = await startDelayProxy({ host: stack.host, port: stack.smtpsPort }, RTT_MS);
	const imap = await startDelayProxy({ host: stack.host, port: stack.imapsPort }, RTT_MS);
	try {
		log(`in the field (+${RTT_MS} ms round trip on SMTP and IMAP): raw pooled nodemailer, ${RTT_MESSAGES} messages`);
		const rawMs = await rawPooledSend(SENDER, RAW_TO, RTT_MESSAGES, BODY, smtp.port);
		log(`  ${Math.round(rawMs)} ms; waiting for delivery`);
		await drained(RAW_TO, RTT_MESSAGES);
		log(`in the field: SMTP Sequence, ${RTT_MESSAGES} prospects, pacing off`);
		const oursMs = await ours(`bench-send-rtt-${Date.now()}`, RTT_MESSAGES, { smtp: smtp.port, imap: imap.port });
		log(`  ${Math.round(oursMs)} ms; waiting for delivery`);
		await drained(OURS_TO, RTT_MESSAGES);
		log(`in the field: raw pooled nodemailer again`);
		const rawAgainMs = await rawPooledSend(SENDER, RAW_AGAIN_TO, RTT_MESSAGES, BODY, smtp.port);
		log(`  ${Math.round(rawAgainMs)} ms; waiting for delivery`);
		await drained(RAW_AGAIN_TO, RTT_MESSAGES);
		const raw = (RTT_MESSAGES / (rawMs / 1000) + RTT_MESSAGES / (rawAgainMs / 1000)) / 2;
		const oursRate = RTT_MESSAGES / (oursMs / 1000);
		log(`in the field: ours ${oursRate.toFixed(1)}/s, nodemailer ${(RTT_MESSAGES / (rawMs / 1000)).toFixed(1)}/s before and ${(RTT_MESSAGES / (rawAgainMs / 1000)).toFixed(1)}/s after`);
		return { ours: oursRate, raw };
	} finally {
		await smtp.close();
		await imap.close();
	}
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
