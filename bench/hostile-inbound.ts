/**
 * Figures for docs/reliability.md ("Security"): the hostile messages of issue #9 at the sizes the issue
 * measured them (and at 1 MiB), classified by a classifier checkout, each case in its own child process
 * with a time limit.
 *
 *   npx tsx bench/hostile-inbound.ts [--root <checkout>] [--limit-s 60] [--entry-point] [--issue-sizes] [--only kind,…]
 *
 * `--root` is the checkout whose `core/classify/parse.ts` and `classify.ts` are timed (default: this one;
 * for "before", a worktree of the commit before the fix with this repository's node_modules linked in).
 * The time is `parseMessage` + `classify` in-process (median of 3 after a warm-up message), which both old
 * and new code have; `--entry-point` times this checkout's `InboundReader.read` instead, one message on a
 * warmed-up worker (thread hop and budget included). `cpu_ms` (in-process only) is the CPU time of the
 * median run: on a shared, loaded machine it says more than the wall time. A case that
 * throws prints `throws`, one that runs past the limit prints `>limit`; `--issue-sizes` leaves out the 1 MiB
 * runs. One JSON line per case.
 */
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { HOSTILE_KINDS, Random } from '../test/helpers/hostile-mail';

const KiB = 1024;
/** Timed runs per case in-process (the median is printed), after one warm-up message. */
const RUNS = 3;
const WARM_UP = Buffer.from(
	'From: "Jo" <jo@example.com>\r\nSubject: Re: hi\r\nContent-Type: multipart/alternative; boundary="w"\r\n\r\n--w\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=FC=DFe\r\n--w\r\nContent-Type: text/html\r\n\r\n<div>Hi</div>\r\n--w--\r\n',
);
const MiB = 1024 * KiB;

/** The measurements: kind and size. Each kind also runs at 1 MiB. */
const CASES: readonly [string, number][] = [
	['html-div-class', 24 * KiB],
	['bounce-to-space-lines', 3 * KiB],
	['reply-space-lines', 80 * KiB],
	['reply-long-spaces', 54 * KiB],
	['bounce-letters', 80 * KiB],
	['bounce-many-addresses', 1000 * 32],
	['ses-braces', 134 * KiB],
	['dsn-blank-lines', 81 * KiB],
	['many-parts', 1200 * 34],
	['huge-references', 300 * KiB],
];

function argument(name: string): string | undefined {
	const index = process.argv.indexOf(`--${name}`);
	return index >= 0 ? process.argv[index + 1] : undefined;
}

function message(kind: string, bytes: number): Buffer {
	const made = HOSTILE_KINDS.find((k) => k.name === kind)?.make(bytes, new Random(1));
	if (made === undefined) throw new Error(`no hostile kind ${kind}`);
	return typeof made === 'string' ? Buffer.from(made, 'latin1') : made;
}

/** Child: times one case and prints `{"ms":…,"outcome":…}` (the class and reason, or what it threw). */
async function child(root: string, kind: string, bytes: number, entryPoint: boolean): Promise<void> {
	const raw = message(kind, bytes);
	/* eslint-disable @typescript-eslint/no-require-imports -- the checkout under test is chosen at run time */
	if (entryPoint) {
		const { InboundReader } = require(join(root, 'transport', 'inbound-reader')) as typeof import('../transport/inbound-reader');
		const reader = new InboundReader();
		await reader.read(Buffer.from('From: a@b.example\r\n\r\nwarm-up'));
		const t0 = performance.now();
		const reading = await reader.read(raw);
		const ms = performance.now() - t0;
		await reader.close();
		process.stdout.write(JSON.stringify({ ms, outcome: `${reading.classification.class} (${reading.classification.reason})` }));
		return;
	}
	const { parseMessage } = require(join(root, 'core', 'classify', 'parse')) as typeof import('../core/classify/parse');
	const { classify } = require(join(root, 'core', 'classify', 'classify')) as typeof import('../core/classify/classify');
	/* eslint-enable @typescript-eslint/no-require-imports */
	// warm: mailparser loads its charset and HTML code on first use, as the worker does before its first message
	classify(await parseMessage(WARM_UP));
	const times: number[] = [];
	const cpu: number[] = [];
	let outcome = '';
	for (let run = 0; run < RUNS; run++) {
		const c0 = process.cpuUsage();
		const t0 = performance.now();
		try {
			const classification = classify(await parseMessage(raw));
			outcome = `${classification.class} (${classification.reason})`;
		} catch (error) {
			outcome = `throws: ${error instanceof Error ? error.message.slice(0, 80) : String(error)}`;
		}
		times.push(performance.now() - t0);
		const used = process.cpuUsage(c0);
		cpu.push((used.user + used.system) / 1000);
	}
	const median = (list: number[]): number => list.sort((a, b) => a - b)[Math.floor(RUNS / 2)];
	process.stdout.write(JSON.stringify({ ms: median(times), cpu_ms: median(cpu), outcome }));
}

function main(): void {
	const root = resolve(argument('root') ?? join(__dirname, '..'));
	const limitS = Number(argument('limit-s') ?? 60);
	const entryPoint = process.argv.includes('--entry-point');
	const only = argument('only')?.split(',');
	const cases = (process.argv.includes('--issue-sizes') ? CASES : [...CASES, ...CASES.map(([kind]) => [kind, MiB] as [string, number])]).filter(
		([kind]) => !only || only.includes(kind),
	);
	for (const [kind, bytes] of cases) {
		const run = spawnSync(process.execPath, [...process.execArgv, __filename, '--child', root, kind, String(bytes), entryPoint ? 'entry' : 'inline'], {
			timeout: limitS * 1000,
			encoding: 'utf8',
		});
		let result: Record<string, unknown>;
		if (run.error || run.signal) result = { result: `>${limitS} s` };
		else {
			try {
				const out = JSON.parse(run.stdout) as { ms: number; cpu_ms?: number; outcome: string };
				result = { ms: Math.round(out.ms), ...(out.cpu_ms === undefined ? {} : { cpu_ms: Math.round(out.cpu_ms) }), result: out.outcome };
			} catch {
				result = { result: `no answer: ${run.stderr.slice(-200)}` };
			}
		}
		process.stdout.write(`${JSON.stringify({ kind, bytes, ...result })}\n`);
	}
}

const at = process.argv.indexOf('--child');
if (at >= 0) {
	const [root, kind, bytes, mode] = process.argv.slice(at + 1);
	child(root, kind, Number(bytes), mode === 'entry').catch((error: unknown) => {
		process.stderr.write(String(error));
		process.exitCode = 1;
	});
} else main();
