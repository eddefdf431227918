/**
 * Figures for docs/reliability.md ("Security"): what the attachment limits save on hostile messages, and
 * what "Allow Self-Signed Certificates" costs (the certificate fetch before login) on the local stack.
 *
 *   npx tsx bench/unsafe-options.ts            (needs the mail stack for the certificate part)
 *
 * Each attachment case runs in a fresh child process, so its peak RSS is its own. Prints one JSON line
 * per case.
 */
import './lib/env';
import { execFileSync } from 'node:child_process';
import { simpleParser } from 'mailparser';
import { readAttachments } from '../core/trigger/attachments';
import { fetchServerCertificate } from '../transport/server-certificate';
import { stack } from '../test/helpers/mailstack';
import type { Endpoint } from '../core/mailbox/presets';

const MiB = 1024 * 1024;

function hostileMessage(kind: 'many' | 'big'): Buffer {
	const lines = ['From: p@acme.test', 'To: me@example.test', 'Subject: Re: files', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'See attached.'];
	const part = (name: string, bytes: number) => {
		lines.push('--b', 'Content-Type: application/pdf', `Content-Disposition: attachment; filename="${name}"`, 'Content-Transfer-Encoding: base64', '');
		lines.push((Buffer.alloc(bytes, 0x61).toString('base64').match(/.{1,76}/g) ?? []).join('\r\n'));
	};
	if (kind === 'many') for (let i = 0; i < 990; i++) part(`f${i}.txt`, 3);
	else part('big.pdf', 25 * MiB);
	lines.push('--b--', '');
	return Buffer.from(lines.join('\r\n'));
}

/** Child: parse one hostile message the old way (simpleParser, everything kept) or the new way. */
async function child(kind: 'many' | 'big', how: 'old' | 'new'): Promise<void> {
	const raw = hostileMessage(kind);
	let peak = process.memoryUsage().rss;
	const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
	const started = process.hrtime.bigint();
	let kept: number;
	if (how === 'old') kept = (await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true })).attachments.length;
	else kept = (await readAttachments(raw)).kept.length;
	const ms = Number(process.hrtime.bigint() - started) / 1e6;
	clearInterval(sampler);
	peak = Math.max(peak, process.memoryUsage().rss);
	console.log(JSON.stringify({ case: kind === 'many' ? '990 attachments' : 'one 25 MiB attachment', parser: how === 'old' ? 'simpleParser (before)' : 'readAttachments (defaults)', message_mb: +(raw.length / MiB).toFixed(1), kept, ms: Math.round(ms), peak_rss_mb: Math.round(peak / MiB) }));
}

async function certificateFetch(): Promise<void> {
	const endpoints: [string, 'SMTP' | 'IMAP', Endpoint][] = [
		['SMTPS', 'SMTP', { host: stack.selfSignedHost, port: stack.smtpsPort, security: 'tls' }],
		['SMTP STARTTLS', 'SMTP', { host: stack.selfSignedHost, port: stack.submissionPort, security: 'starttls' }],
		['IMAP STARTTLS', 'IMAP', { host: stack.selfSignedHost, port: stack.imapPort, security: 'starttls' }],
	];
	for (const [name, service, endpoint] of endpoints) {
		const times: number[] = [];
		for (let i = 0; i < 20; i++) {
			const started = process.hrtime.bigint();
			await fetchServerCertificate(service, endpoint);
			times.push(Number(process.hrtime.bigint() - started) / 1e6);
		}
		times.sort((a, b) => a - b);
		console.log(JSON.stringify({ case: `certificate fetch before login, ${name}`, runs: times.length, p50_ms: +times[10].toFixed(1), max_ms: +times[times.length - 1].toFixed(1) }));
	}
}

async function main(): Promise<void> {
	const [mode, kind, how] = process.argv.slice(2);
	if (mode === 'child') return child(kind as 'many' | 'big', how as 'old' | 'new');
	for (const k of ['many', 'big']) {
		for (const h of ['old', 'new']) {
			process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', __filename, 'child', k, h], { encoding: 'utf8' }));
		}
	}
	await certificateFetch();
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
