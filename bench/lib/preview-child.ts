/**
 * Child process of `bench/send.ts`: one Preview of N prospects through the engine, alone in its process
 * so its peak RSS (VmHWM, which includes loading n8n-core) is the preview's. Arguments: sequence key,
 * recipient user, prospect count. Prints one JSON line: {"ms", "peak_rss_mb", "items", "due"}.
 */
import './env';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { prospectItems, runSequenceWorkflow } from './workflow';

function vmHwmMb(): number {
	const line = readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('VmHWM:'));
	const kb = line ? Number(line.replace(/\D+/g, '')) : 0;
	return kb / 1024;
}

async function main(): Promise<void> {
	const [sequenceKey, recipient, count] = process.argv.slice(2);
	let sampled = 0;
	const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 20);
	const items = prospectItems(recipient, Number(count));
	const started = performance.now();
	const result = await runSequenceWorkflow('preview', sequenceKey, items);
	const ms = performance.now() - started;
	clearInterval(sampler);
	if (result.error) throw result.error;
	const out = result.output('SMTP Sequence');
	const due = out.filter((i) => i.json.status === 'due').length;
	const peak = Math.max(vmHwmMb(), sampled / 1024 / 1024);
	process.stdout.write(`${JSON.stringify({ ms: Math.round(ms), peak_rss_mb: Math.round(peak), items: out.length, due })}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
