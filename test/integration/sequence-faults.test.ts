/**
 * Fault injection for the SMTP Sequence run: an in-process SMTP server (port 0) that answers with the
 * replies real servers give, next to the real Dovecot for the ledger; a crash between the SMTP answer and
 * the confirmation; two separate processes running the same sequence at once.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import { sequenceMessageId } from '../../core/mail/message-id';
import { composeRaw } from '../../transport/compose';
import { createImapClient } from '../../transport/imap-client';
import { findSentFolder } from '../../transport/mail-folders';
import { claimStep } from '../../transport/sent-claim';
import { createSmtpTransport } from '../../transport/smtp-client';
import { sendRaw } from '../../transport/smtp-send';
import type { RunRequest } from '../../core/sequence/run-request';
import { addressOf, resetMailboxes } from '../helpers/mailstack';
import { readMailbox, runAt, sequenceRequest, waitForMessage } from '../helpers/sequence';

const NOW = new Date(Date.now() - 60 * 60_000);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
/** Senders u41–u44 and prospects u45–u50 belong to this file. */
const PROSPECTS = ['u45', 'u46', 'u47', 'u48', 'u49', 'u50'];

/** Sender u51 and prospects u52–u56: the killed run. */
const KILLED_PROSPECTS = ['u52', 'u53', 'u54', 'u55', 'u56'];

beforeAll(() => resetMailboxes('u41', 'u42', 'u43', 'u44', ...PROSPECTS, 'u51', ...KILLED_PROSPECTS, 'u176', 'u177', 'judy', 'ivan', 'heidi'));

const script = path.join(__dirname, '../helpers/run-sequence-cli.ts');
const tsx = path.join(__dirname, '../../node_modules/.bin/tsx');

/** Answers like a real submission server, per recipient local part. */
async function faultyServer(): Promise<{ port: number; close(): Promise<void>; received: string[] }> {
	const received: string[] = [];
	const server = new SMTPServer({
		authOptional: true,
		allowInsecureAuth: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onAuth: (_auth, _session, callback) => callback(null, { user: 'any' }),
		onRcptTo(address: SMTPServerAddress, _session, callback) {
			const local = address.address.split('@')[0];
			const fail = (code: number, message: string) => callback(Object.assign(new Error(message), { responseCode: code }));
			// "550 5.1.1 <x>: Recipient address rejected: User unknown in virtual mailbox table"
			if (local === 'nouser') return fail(550, '5.1.1 <nouser@example.test>: Recipient address rejected: User unknown');
			// "452 4.3.1 Insufficient system storage"
			if (local === 'full') return fail(452, '4.3.1 Insufficient system storage');
			callback();
		},
		onData(stream, session, callback) {
			const chunks: Buffer[] = [];
			stream.on('data', (c: Buffer) => chunks.push(c));
			stream.on('end', () => {
				const to = session.envelope.rcptTo[0]?.address ?? '';
				received.push(to);
				// "554 5.7.1 Message rejected: spam content detected"
				if (to.startsWith('spammy')) return callback(Object.assign(new Error('5.7.1 Message rejected: spam content detected'), { responseCode: 554 }));
				callback();
			});
		},
	});
	// SMTPServer does not re-emit 'listening'; the callback is the way to know
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const port = (server.server.address() as { port: number }).port;
	return { port, received, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function viaServer(request: RunRequest, port: number): RunRequest {
	return { ...request, settings: { ...request.settings, smtp: { host: '127.0.0.1', port, security: 'none' } } };
}

describe('SMTP faults (in-process server, real Dovecot ledger)', () => {
	it('5.1.1 at RCPT → that prospect bounced (issue 8, scenario 4); 452 → temporary; 5.7.1 at DATA blocks the mailbox for the run', async () => {
		const server = await faultyServer();
		try {
			const request = viaServer(
				sequenceRequest({
					sender: 'u41',
					sequenceKey: `faults-${unique()}`,
					steps: [{ subject: 'Hello', text: 'Hi' }],
					prospects: ['nouser@example.test', 'full@example.test', addressOf('judy'), 'spammy@example.test', addressOf('ivan')],
				}),
				server.port,
			);
			const results = await runAt(request, NOW);
			expect(results.map((r) => [r.status, r.error?.code ?? null, r.error?.temporary ?? null])).toEqual([
				['stopped', 'SMTP_PERMANENT', false],
				['failed', 'SMTP_TEMPORARY', true],
				['sent', null, null],
				['failed', 'SMTP_POLICY', false],
				['failed', 'SMTP_POLICY', false],
			]);
			expect(results[0].reason).toContain('550 5.1.1');
			expect(results[0].stopReason).toBe('bounced');
			expect(server.received).toEqual(['judy@example.test', 'spammy@example.test']);
			// the accepted message stays recorded in Sent, and the refused recipient's claim (tried, never again)
			const sent = await readMailbox('u41', 'Sent');
			expect(sent.map((m) => m.messageId).sort()).toEqual([results[0].messageId, results[2].messageId].sort());
		} finally {
			await server.close();
		}
	});

	it('an SMTP server that is down fails every due prospect with a clear, temporary error and records nothing', async () => {
		const request = viaServer(
			sequenceRequest({ sender: 'u42', sequenceKey: `down-${unique()}`, steps: [{ subject: 'Hello', text: 'Hi' }], prospects: [addressOf('judy'), addressOf('ivan')] }),
			1, // nothing listens on port 1
		);
		const results = await runAt(request, NOW);
		expect(results.map((r) => r.error?.code)).toEqual(['CONNECTION_REFUSED', 'CONNECTION_REFUSED']);
		expect(results[0].reason).toMatch(/^SMTP server 127\.0\.0\.1:1: the connection was refused/);
		expect(results[1].reason).toMatch(/stopped for this run/);
		expect(results.every((r) => r.error?.temporary)).toBe(true);
		expect(await readMailbox('u42', 'Sent')).toEqual([]);
	});
});

describe('never twice across crashes and processes (real Postfix + Dovecot)', () => {
	it('a crash after the SMTP server accepted, before the claim was confirmed, is not sent again', async () => {
		const key = `crash-${unique()}`;
		const request = sequenceRequest({ sender: 'u43', sequenceKey: key, steps: [{ subject: 'Hello', text: 'Hi' }], prospects: [addressOf('heidi')] });
		// what the run does up to the crash: claim in Sent, SMTP accepts — then the process dies
		const id = sequenceMessageId(key, addressOf('heidi'), 1, 'example.test');
		const raw = await composeRaw({ from: { name: '', address: 'u43@example.test' }, to: { name: '', address: 'heidi@example.test' }, subject: 'Hello', text: 'Hi', messageId: id, date: NOW });
		const imap = createImapClient(request.settings);
		await imap.connect();
		const sentPath = await findSentFolder(imap);
		await imap.mailboxOpen(sentPath);
		const claim = await claimStep(imap, sentPath, raw, id, NOW);
		expect(claim.won).toBe(true);
		const smtp = createSmtpTransport(request.settings);
		await sendRaw(smtp, request.settings, { from: 'u43@example.test', to: 'heidi@example.test' }, raw);
		smtp.close();
		await imap.logout();
		await waitForMessage('heidi', (m) => m.messageId === id);

		// the retry (n8n re-runs the execution) finds the claim and sends nothing
		const retry = await runAt(request, new Date(NOW.getTime() + 15 * 60_000));
		expect(retry[0]).toMatchObject({ status: 'completed', history: [{ step: 1, messageId: id, unconfirmed: true }] });
		expect((await readMailbox('heidi')).filter((m) => m.messageId === id)).toHaveLength(1);
	});

	it('scenario 2 (queue mode): the run a minute after a worker died between claim and SMTP answer reports the step unconfirmed and does not send it', async () => {
		// u176 sends, u177 receives (issue #12). n8n 2.41 never re-runs a dead worker's execution; its next
		// scheduled run, a minute later, is what reads the claim the worker left without $SeqSent
		const key = `killed-worker-${unique()}`;
		const request = sequenceRequest({ sender: 'u176', sequenceKey: key, steps: [{ subject: 'Hello', text: 'Hi' }], prospects: [addressOf('u177')] });
		const id = sequenceMessageId(key, addressOf('u177'), 1, 'example.test');
		const raw = await composeRaw({ from: { name: '', address: 'u176@example.test' }, to: { name: '', address: 'u177@example.test' }, subject: 'Hello', text: 'Hi', messageId: id, date: NOW });
		const imap = createImapClient(request.settings);
		await imap.connect();
		const sentPath = await findSentFolder(imap);
		await imap.mailboxOpen(sentPath);
		expect((await claimStep(imap, sentPath, raw, id, NOW)).won).toBe(true);
		// the message reaches the server, whose answer dies with the worker
		const smtp = createSmtpTransport(request.settings);
		await sendRaw(smtp, request.settings, { from: 'u176@example.test', to: 'u177@example.test' }, raw);
		smtp.close();
		await imap.logout();
		await waitForMessage('u177', (m) => m.messageId === id);

		const next = await runAt(request, new Date(NOW.getTime() + 60_000));
		expect(next[0]).toMatchObject({ status: 'completed', history: [{ step: 1, messageId: id, unconfirmed: true }] });
		expect((await readMailbox('u177')).filter((m) => m.messageId === id)).toHaveLength(1);
	});

	it('two processes running the same sequence at once send every step once', async () => {
		const key = `procs-${unique()}`;
		const prospects = PROSPECTS.map(addressOf);
		const config = JSON.stringify({ sender: 'u44', sequenceKey: key, prospects, steps: [{ subject: 'Hello', text: 'Hi' }] });
		const runProcess = () =>
			new Promise<{ code: number | null; out: string }>((resolve) => {
				const child = spawn(tsx, [script, config], { stdio: ['ignore', 'pipe', 'inherit'] });
				let out = '';
				child.stdout.on('data', (c: Buffer) => (out += c.toString()));
				child.on('close', (code) => resolve({ code, out }));
			});
		const [a, b] = await Promise.all([runProcess(), runProcess()]);
		expect([a.code, b.code]).toEqual([0, 0]);
		const statuses = [JSON.parse(a.out) as string[], JSON.parse(b.out) as string[]];
		expect(prospects.map((_, i) => statuses.filter((s) => s[i] === 'sent').length)).toEqual(prospects.map(() => 1));
		for (const address of prospects) {
			const user = address.split('@')[0];
			const id = sequenceMessageId(key, address, 1, 'example.test');
			await waitForMessage(user, (m) => m.messageId === id);
			expect((await readMailbox(user)).filter((m) => m.messageId === id)).toHaveLength(1);
		}
	});

	it('a run killed mid-way (SIGKILL) and run again sends nothing twice', async () => {
		const key = `killed-${unique()}`;
		const prospects = KILLED_PROSPECTS.map(addressOf);
		const steps = [{ subject: 'Hello', text: 'Hi' }];
		// its own process group: `tsx` runs the script in a child node process, and a SIGKILL to tsx alone
		// leaves that child running (and sending) beside the retry
		const child = spawn(tsx, [script, JSON.stringify({ sender: 'u51', sequenceKey: key, prospects, steps, pacingSeconds: 1 })], { stdio: 'ignore', detached: true });
		// kill it once two emails are out (it paces one per second); on a loaded machine the child may take
		// tens of seconds to start, so wait on its progress, not on a deadline
		let exited = false;
		child.once('exit', () => (exited = true));
		while (!exited && (await readMailbox('u51', 'Sent')).length < 2) await new Promise((r) => setTimeout(r, 50));
		expect(exited).toBe(false);
		process.kill(-(child.pid as number), 'SIGKILL');
		await once(child, 'close');
		const beforeRetry = (await readMailbox('u51', 'Sent')).length;
		expect(beforeRetry).toBeGreaterThanOrEqual(2);
		expect(beforeRetry).toBeLessThan(prospects.length);

		const retry = await runAt(sequenceRequest({ sender: 'u51', sequenceKey: key, steps, prospects }), new Date());
		// an APPEND in flight at the kill may still land after we counted: then one fewer is left to send
		const sentByRetry = retry.filter((r) => r.status === 'sent').length;
		expect(sentByRetry).toBeLessThanOrEqual(prospects.length - beforeRetry);
		expect(sentByRetry).toBeGreaterThanOrEqual(prospects.length - beforeRetry - 1);
		for (const address of prospects) {
			const id = sequenceMessageId(key, address, 1, 'example.test');
			const user = address.split('@')[0];
			// an email claimed just before the kill may not have reached the SMTP server: at most once, never twice
			const copies = (await readMailbox(user)).filter((m) => m.messageId === id);
			expect(copies.length).toBeLessThanOrEqual(1);
		}
		const delivered = await Promise.all(prospects.map(async (a) => (await readMailbox(a.split('@')[0])).length));
		expect(delivered.reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(prospects.length - 1);
	});
});
