/**
 * What the classification worker costs the process (issue #10, catch-up RSS): a fresh process, its RSS
 * after a GC (idle), then `InboundReader.warm()` and `--reads` readings of one small reply in thread (the
 * catch-up's candidates), RSS sampled every 10 ms. Prints one JSON line: idle MB, peak and settled RSS
 * above idle, ms until the first reading and for all of them.
 *
 *   npx tsx --expose-gc bench/worker-rss.ts [--dist] [--reads 100] [--recovery 5]
 *
 * `--dist` loads the compiled reader from `dist/` (`npm run build` first): the worker then runs
 * `dist/transport/classify-worker.js` as inside n8n, without tsx's loader in the worker. Without it the
 * reader and its worker run from source through tsx, as in `npm run bench:scale`'s catch-up child.
 * `--recovery N` (source only) times what a hostile message costs the message behind it: N times, a
 * message that never finishes on the worker (`test/helpers/unruly-classify-worker.ts`) is cut off at the
 * budget and an ordinary reply is queued behind it; the figure is the ms from the cut-off to that reply's
 * reading (the replacement worker's start, when none stands by).
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type * as ReaderModule from '../transport/inbound-reader';

const argument = (name: string): string | undefined => {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : undefined;
};
const dist = process.argv.includes('--dist');
const reads = Number(argument('reads') ?? 100);
const recoveries = Number(argument('recovery') ?? 0);
const MB = 1024 * 1024;
const round = (n: number): number => Math.round(n * 10) / 10;

const reply = (i: number): Buffer =>
	Buffer.from(
		[
			`From: Prospect ${i} <p${i}@client.example>`,
			'To: me@sender.example',
			'Subject: Re: Quick question',
			`Message-ID: <r${i}@client.example>`,
			'In-Reply-To: <sq.abc.1.def@sender.example>',
			'References: <sq.abc.1.def@sender.example>',
			'Date: Tue, 01 Dec 2026 10:00:00 +0000',
			'Content-Type: text/plain; charset=utf-8',
			'',
			'Yes, happy to talk next week.',
			'',
			'On Mon, 30 Nov 2026 at 09:00, Me <me@sender.example> wrote:',
			'> Are you the right person?',
			'',
		].join('\r\n'),
	);

async function main(): Promise<void> {
	/* eslint-disable @typescript-eslint/no-require-imports -- source or compiled reader, chosen at run time */
	const { InboundReader } = require(dist ? join(__dirname, '..', 'dist', 'transport', 'inbound-reader.js') : '../transport/inbound-reader') as typeof ReaderModule;
	/* eslint-enable @typescript-eslint/no-require-imports */
	global.gc?.();
	await new Promise((resolve) => setTimeout(resolve, 200));
	global.gc?.();
	const idle = process.memoryUsage().rss;
	let peak = idle;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
	const reader = new InboundReader({ budgetMs: 10_000 });
	const t0 = performance.now();
	reader.warm();
	await reader.read(reply(0));
	const firstMs = performance.now() - t0;
	for (let i = 1; i < reads; i++) await reader.read(reply(i));
	const allMs = performance.now() - t0;
	peak = Math.max(peak, process.memoryUsage().rss);
	await new Promise((resolve) => setTimeout(resolve, 1000));
	const settled = process.memoryUsage().rss;
	clearInterval(sampler);
	await reader.close();

	const recoveryMs: number[] = [];
	if (recoveries > 0) {
		const unruly = new InboundReader({ budgetMs: 200, workerEntry: require.resolve('../test/helpers/unruly-classify-worker.ts') });
		unruly.warm();
		await unruly.read(reply(0));
		for (let i = 0; i < recoveries; i++) {
			// the worker (and a standby, if the reader keeps one) is started and warm before each round
			await new Promise((resolve) => setTimeout(resolve, 3000));
			const cut = unruly.read(Buffer.concat([reply(i), Buffer.from('SPIN\r\n')]));
			const next = unruly.read(reply(i + 1));
			await cut;
			const at = performance.now();
			await next;
			recoveryMs.push(Math.round(performance.now() - at));
		}
		await unruly.close();
	}
	process.stdout.write(
		`${JSON.stringify({
			mode: dist ? 'dist' : 'source',
			reads,
			idle_mb: round(idle / MB),
			peak_delta_mb: round((peak - idle) / MB),
			settled_delta_mb: round((settled - idle) / MB),
			first_read_ms: Math.round(firstMs),
			all_reads_ms: Math.round(allMs),
			...(recoveryMs.length > 0 ? { recovery_ms: recoveryMs } : {}),
		})}\n`,
	);
}

main().then(
	() => process.exit(0),
	(error: unknown) => {
		process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exit(1);
	},
);
