/**
 * Issue #8, scenario 13, the SMTP Sequence's side: every path of a run closes its sockets. Each run talks
 * IMAP (the real Dovecot) through a TCP proxy of its own and SMTP through a proxy to Postfix or an
 * in-process server on a port of its own, so the sockets this process holds to those ports are the run's
 * and nobody else's. After each fault — a refused login on either side, an SMTP answer that never comes,
 * the server closing in the middle of DATA, a stopped execution, the daily limit, the IMAP connections
 * dropped in the middle of a run, an exception thrown in the middle — the run has returned (or thrown)
 * with no socket of it left open, and Dovecot lists no session for the sender. Users u119–u125 belong to
 * this file (senders; prospects are addresses the in-process servers accept, or u119's plus-addresses).
 */
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';
import type { RunEnvironment, RunRequest } from '../../core/sequence/run-request';
import type { ProspectResult } from '../../core/sequence/run-result';
import { runSequence } from '../../transport/sequence-run';
import { faultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { faultSmtpServer } from '../helpers/fault-smtp';
import { resetMailboxes, settingsFor, stack } from '../helpers/mailstack';
import { sequenceRequest, simulatedClock } from '../helpers/sequence';
import { dovecotSessions, ownSocketsTo, settlesToZero } from '../helpers/sockets';

const USERS = ['u119', 'u120', 'u121', 'u122', 'u123', 'u124', 'u125'];
const NOW = new Date(Date.now() - 60 * 60_000);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const hello = [{ subject: 'Hello', text: 'Hi there' }];

beforeAll(() => resetMailboxes(...USERS));

/** Closed after each test. */
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
	await Promise.all(closers.splice(0).map((close) => close()));
});

async function proxyTo(port: number): Promise<FaultProxy> {
	const proxy = await faultProxy({ host: stack.host, port });
	closers.push(() => proxy.close());
	return proxy;
}

/** A run of `sender` whose IMAP goes through a proxy of its own (plain IMAP) and whose SMTP goes to `smtpPort` (plain). */
async function setUp(sender: string, smtpPort: number, options: Omit<Parameters<typeof sequenceRequest>[0], 'sender' | 'steps' | 'sequenceKey'> & { smtpSocketTimeoutMs?: number; steps?: typeof hello }) {
	const imap = await proxyTo(stack.imapPort);
	const base = sequenceRequest({ sender, sequenceKey: `sockets-${unique()}`, steps: options.steps ?? hello, ...options });
	const settings = settingsFor(sender, { imap: 'none' });
	const request: RunRequest = {
		...base,
		settings: { ...base.settings, ...settings, imap: { ...settings.imap, host: '127.0.0.1', port: imap.port }, smtp: { host: '127.0.0.1', port: smtpPort, security: 'none' } },
		...(options.smtpSocketTimeoutMs ? { tuning: { smtpSocketTimeoutMs: options.smtpSocketTimeoutMs } } : {}),
	};
	return { imap, request };
}

/**
 * No socket of this process left on the run's ports (closing is asynchronous: waits for it; TIME-WAIT
 * holds no descriptor and is not counted), and no Dovecot session of the sender.
 */
async function expectAllClosed(sender: string, ports: number[]): Promise<void> {
	for (const port of ports) expect({ port, open: await settlesToZero(() => ownSocketsTo(port), 15_000) }).toEqual({ port, open: 0 });
	expect(await settlesToZero(() => dovecotSessions(sender), 15_000)).toBe(0);
}

const statuses = (results: ProspectResult[]) => results.map((r) => [r.status, r.error?.code ?? r.stopReason ?? r.step]);

describe('scenario 13: every path of an SMTP Sequence run closes its sockets', () => {
	it('scenario 13: a refused IMAP login (wrong password) leaves no socket, and SMTP is never opened', async () => {
		const smtp = await proxyTo(stack.mxPort);
		const { imap, request } = await setUp('u119', smtp.port, { prospects: ['a@elsewhere.test'] });
		const results = await runSequence({ ...request, settings: { ...request.settings, password: 'not-the-password' } }, simulatedClock(NOW));
		expect(statuses(results)).toEqual([['failed', 'AUTH_FAILED']]);
		expect([imap.accepted, smtp.accepted]).toEqual([1, 0]);
		await expectAllClosed('u119', [imap.port, smtp.port]);
	});

	it('scenario 13: a refused SMTP login (wrong password at the SMTP server) leaves no socket on either side', async () => {
		const server = new SMTPServer({
			allowInsecureAuth: true,
			disabledCommands: ['STARTTLS'],
			logger: false,
			onAuth: (_auth, _session, callback) => callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 })),
		});
		server.listen(0, '127.0.0.1');
		await once(server.server, 'listening');
		closers.push(() => new Promise((resolve) => server.close(() => resolve())));
		const smtpPort = (server.server.address() as { port: number }).port;
		const { imap, request } = await setUp('u120', smtpPort, { prospects: ['a@elsewhere.test', 'b@elsewhere.test'] });
		const results = await runSequence(request, simulatedClock(NOW));
		// a 535 at AUTH is reported as the mailbox refused by policy, with the server's words
		expect(statuses(results)).toEqual([
			['failed', 'SMTP_POLICY'],
			['failed', 'SMTP_POLICY'],
		]);
		expect(results[0].reason).toMatch(/the user name or password was rejected/);
		expect(imap.accepted).toBe(3);
		await expectAllClosed('u120', [imap.port, smtpPort]);
	});

	it('scenario 13: an SMTP server that never answers after the message (timeout) leaves no socket', async () => {
		const server = await faultSmtpServer(() => ({ at: 'data', silent: true }));
		closers.push(() => server.close());
		const { imap, request } = await setUp('u121', server.port, { prospects: ['slow@elsewhere.test', 'next@elsewhere.test'], smtpSocketTimeoutMs: 300 });
		const results = await runSequence(request, simulatedClock(NOW));
		expect(results.map((r) => [r.status, r.unconfirmed ?? r.error?.code])).toEqual([
			['sent', true],
			['failed', 'CONNECTION_CLOSED'],
		]);
		expect(server.received).toEqual(['slow@elsewhere.test']);
		await expectAllClosed('u121', [imap.port, server.port]);
	});

	it('scenario 13: an SMTP server that closes the connection in the middle of DATA leaves no socket', async () => {
		const smtp = await proxyTo(stack.mxPort);
		smtp.smtpFault = 'close-in-data';
		const { imap, request } = await setUp('u122', smtp.port, { prospects: [`u119+d${unique()}@example.test`] });
		const results = await runSequence(request, simulatedClock(NOW));
		// the client had written the whole message when the server went away: it cannot know how far the
		// server read, so the step counts as sent, unconfirmed (docs/design.md, "SMTP outcomes")
		expect(results[0]).toMatchObject({ status: 'sent', unconfirmed: true });
		expect(smtp.accepted).toBe(1);
		await expectAllClosed('u122', [imap.port, smtp.port]);
	});

	it('scenario 13: a stopped execution (during the pacing pause) leaves no socket', async () => {
		const server = await faultSmtpServer(() => undefined);
		closers.push(() => server.close());
		const { imap, request } = await setUp('u123', server.port, {
			prospects: ['a@elsewhere.test', 'b@elsewhere.test', 'c@elsewhere.test'],
			settings: { pacingMinSeconds: 30, pacingMaxSeconds: 30 },
		});
		const stop = new AbortController();
		const clock = simulatedClock(NOW);
		const env: RunEnvironment = {
			...clock,
			cancel: stop.signal,
			sleep: async (ms) => {
				stop.abort();
				await clock.sleep(ms);
			},
		};
		const results = await runSequence(request, env);
		expect(statuses(results)).toEqual([
			['sent', 1],
			['failed', 'RUN_CANCELLED'],
			['failed', 'RUN_CANCELLED'],
		]);
		await expectAllClosed('u123', [imap.port, server.port]);
	});

	it('scenario 13: a run that reaches the daily limit leaves no socket', async () => {
		const server = await faultSmtpServer(() => undefined);
		closers.push(() => server.close());
		const { imap, request } = await setUp('u124', server.port, { prospects: ['a@elsewhere.test', 'b@elsewhere.test', 'c@elsewhere.test'], settings: { dailyLimit: 1 } });
		const results = await runSequence(request, simulatedClock(NOW));
		expect(results.map((r) => r.status)).toEqual(['sent', 'dailyLimitReached', 'dailyLimitReached']);
		await expectAllClosed('u124', [imap.port, server.port]);
	});

	it('scenario 13: an exception thrown in the middle of a run (here by the pacing timer) leaves no socket', async () => {
		const server = await faultSmtpServer(() => undefined);
		closers.push(() => server.close());
		const { imap, request } = await setUp('u125', server.port, {
			prospects: ['a@elsewhere.test', 'b@elsewhere.test'],
			settings: { pacingMinSeconds: 30, pacingMaxSeconds: 30 },
		});
		const env: RunEnvironment = {
			...simulatedClock(NOW),
			sleep: () => Promise.reject(new Error('the timer broke')),
		};
		await expect(runSequence(request, env)).rejects.toThrow('the timer broke');
		expect(server.received).toEqual(['a@elsewhere.test']);
		await expectAllClosed('u125', [imap.port, server.port]);
	});
});

describe('imapflow\'s "Connection not available" is our CONNECTION_CLOSED', () => {
	it('IMAP connections dropped in the middle of a run fail the next steps with CONNECTION_CLOSED that says what happened, and leave no socket', async () => {
		const server = await faultSmtpServer(() => undefined);
		closers.push(() => server.close());
		const { imap, request } = await setUp('u119', server.port, {
			prospects: ['a@elsewhere.test', 'b@elsewhere.test', 'c@elsewhere.test'],
			settings: { pacingMinSeconds: 30, pacingMaxSeconds: 30 },
		});
		const clock = simulatedClock(NOW);
		let dropped = false;
		const env: RunEnvironment = {
			...clock,
			sleep: async (ms) => {
				if (!dropped) {
					// the server (or `doveadm kick`) drops every IMAP connection while the run paces; imapflow
					// sees them close, and every later command on them rejects with "Connection not available"
					dropped = true;
					imap.resetAll();
					expect(await settlesToZero(() => ownSocketsTo(imap.port), 15_000)).toBe(0);
				}
				await clock.sleep(ms);
			},
		};
		const results = await runSequence(request, env);
		expect(statuses(results)).toEqual([
			['sent', 1],
			['failed', 'CONNECTION_CLOSED'],
			['failed', 'CONNECTION_CLOSED'],
		]);
		expect(results[1].reason).toMatch(/^The IMAP connection was lost while claiming step 1 in "Sent" \(the server closed it or it stopped answering\)/);
		expect(results[2].reason).toMatch(/stopped for this run/);
		for (const result of results.slice(1)) expect(result.reason).not.toMatch(/Connection not available/);
		expect(server.received).toEqual(['a@elsewhere.test']);
		await expectAllClosed('u119', [imap.port, server.port]);
	});
});
