/**
 * `npm run eval:replies -- <corpus-dir>`: classifies `<corpus-dir>/messages/*.eml` with the same code the
 * IMAP Reply Trigger runs and scores it against `<corpus-dir>/labels.json`. Prints a table, then the
 * summary as one JSON object on the last line (for CI and the held-out check).
 */
import { readFile, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { evaluateCorpus, type CorpusLabel, type CorpusMessage, type EvalRow, type EvalSummary } from '../core/classify/evaluate';

/** Loads a corpus directory: labelled `.eml` files only (unlabelled files are reported, not scored). */
export async function loadCorpus(dir: string): Promise<{ messages: CorpusMessage[]; unlabelled: string[] }> {
	const labels = JSON.parse(await readFile(join(dir, 'labels.json'), 'utf8')) as Record<string, CorpusLabel>;
	const files = (await readdir(join(dir, 'messages'))).filter((f) => f.endsWith('.eml')).sort();
	const messages: CorpusMessage[] = [];
	const unlabelled: string[] = [];
	for (const file of files) {
		const label = labels[file];
		if (!label) unlabelled.push(file);
		else messages.push({ file, label, raw: await readFile(join(dir, 'messages', file)) });
	}
	return { messages, unlabelled };
}

/** Loads and scores one corpus directory. */
export async function evaluateDirectory(dir: string, now: Date = new Date()): Promise<{ rows: EvalRow[]; summary: EvalSummary; unlabelled: string[] }> {
	const { messages, unlabelled } = await loadCorpus(dir);
	return { ...(await evaluateCorpus(messages, { now })), unlabelled };
}

function table(rows: EvalRow[], summary: EvalSummary): string {
	const lines: string[] = [];
	const width = Math.max(4, ...rows.map((r) => r.file.length));
	lines.push(`${'file'.padEnd(width)}  ${'expected'.padEnd(14)}  ${'got'.padEnd(14)}  ok  reason`);
	for (const row of rows) {
		const detail = row.notes.length > 0 ? `${row.reason}; ${row.notes.join('; ')}` : row.reason;
		lines.push(`${row.file.padEnd(width)}  ${row.expected.padEnd(14)}  ${row.got.padEnd(14)}  ${row.pass ? 'ok' : '--'}  ${detail}`);
	}
	lines.push('');
	lines.push(`class           precision  recall  support`);
	for (const [cls, c] of Object.entries(summary.per_class)) {
		lines.push(`${cls.padEnd(14)}  ${c.precision.toFixed(4).padStart(9)}  ${c.recall.toFixed(4).padStart(6)}  ${String(c.support).padStart(7)}`);
	}
	lines.push('');
	for (const key of ['messages', 'accuracy', 'bounce_recall', 'autoReply_recall', 'auto_reply_precision', 'human_misclassified', 'hard_soft_agreement', 'status_agreement', 'status_class_agreement', 'reply_text_pass_rate', 'return_date_agreement'] as const) {
		lines.push(`${key.padEnd(24)} ${String(summary[key])}`);
	}
	if (summary.per_source) {
		lines.push('');
		lines.push(`${'source'.padEnd(28)}  messages  accuracy  bounce_rec  autoRep_rec  autoRep_prec  human_wrong  hard_soft`);
		for (const [source, f] of Object.entries(summary.per_source)) {
			const cells = [f.messages, f.accuracy, f.bounce_recall, f.autoReply_recall, f.auto_reply_precision, f.human_misclassified, f.hard_soft_agreement];
			lines.push(`${source.slice(0, 28).padEnd(28)}  ${cells.map((c, i) => String(c).padStart([8, 8, 10, 11, 12, 11, 9][i])).join('  ')}`);
		}
	}
	return lines.join('\n');
}

async function main(): Promise<void> {
	const dir = process.argv[2];
	if (!dir) {
		process.stderr.write('usage: npm run eval:replies -- <corpus-dir>   (expects labels.json and messages/*.eml)\n');
		process.exitCode = 2;
		return;
	}
	const started = Date.now();
	const { rows, summary, unlabelled } = await evaluateDirectory(resolve(dir));
	process.stdout.write(`${table(rows, summary)}\n`);
	if (unlabelled.length > 0) process.stdout.write(`unlabelled (not scored): ${unlabelled.join(', ')}\n`);
	process.stdout.write(`elapsed_ms               ${Date.now() - started}\n`);
	process.stdout.write(`${JSON.stringify(summary)}\n`);
}

if (require.main === module) {
	main().catch((error: unknown) => {
		process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
		process.exitCode = 1;
	});
}
