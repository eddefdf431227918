/**
 * Runs a bench script in a child process and returns the figure it prints as its last stdout line (one
 * JSON object); its stderr (progress) goes to ours. Used where a figure needs a process of its own: a
 * peak RSS, an idle baseline, or another bench run whole.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

const TSX = path.resolve(__dirname, '../../node_modules/.bin/tsx');

/** Runs `tsx [nodeFlags…] script args…` with `env` added to ours; rejects on a non-zero exit or no JSON line. */
export function childFigure<T>(label: string, script: string, options: { args?: string[]; nodeFlags?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<T> {
	return new Promise((resolve, reject) => {
		const child = spawn(TSX, [...(options.nodeFlags ?? []), script, ...(options.args ?? [])], {
			stdio: ['ignore', 'pipe', 'inherit'],
			env: { ...process.env, ...options.env },
		});
		let out = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
		child.on('error', reject);
		child.on('close', (code) => {
			const last = out.trim().split('\n').pop() ?? '';
			if (code !== 0) return reject(new Error(`${label} exited with ${String(code)}: ${last.slice(0, 300)}`));
			try {
				resolve(JSON.parse(last) as T);
			} catch {
				reject(new Error(`${label} printed no figure: ${last.slice(0, 300)}`));
			}
		});
	});
}
