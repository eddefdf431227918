/**
 * The guarantees under real conditions (issue 8): each test is one scenario in which a promise of the
 * SMTP Sequence run used to break, against the real Postfix + Dovecot, with a fault proxy or an
 * in-process SMTP server where the fault cannot be produced otherwise. Users u81–u95, u98–u100 and
 * exo01–exo05 belong to this file.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { ImapFlow } from 'imapflow';
import { sequenceMessageId } from '../../core/mail/message-id';
import type { RunRequest } from '../../core/sequence/run-request';
import { runRelevance } from '../../core/sequence/run-relevance';
import { composeRaw } from '../../transport/compose';
import { closeImap, connectImap } from '../../transport/imap-client';
import { findSentFolder } from '../../transport/mail-folders';
import { ledgerIndexes } from '../../transport/index-cache';
import { accountKey, LedgerReader } from '../../transport/ledger-reader';
import { claimStep, copiesOf } from '../../transport/sent-claim';
import { runSequence } from '../../transport/sequence-run';
import { faultProxy } from '../helpers/fault-proxy';
import { faultSmtpServer } from '../helpers/fault-smtp';
import { addressOf, resetMailboxes, settingsFor, stack } from '../helpers/mailstack';
import { readMailbox, replyFrom, runAt, sequenceRequest, simulatedClock, waitForMessage } from '../helpers/sequence';
import { dovecotSessions, ownSocketsTo, settlesToZero } from '../helpers/sockets';

const TSX = path.resolve(__dirname, '../../node_modules/.bin/tsx');
const CLI = path.resolve(__dirname, '../helpers/run-sequence-cli.ts');
const NOW = new Date(Date.now() - 60 * 60_000);
const LATER = new Date(NOW.getTime() + 20 * 60_000);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const OWN_USERS = [...Array.from({ length: 15 }, (_, i) => `u${81 + i}`), 'u98', 'u99', 'u100'];
const SENDERS = new Set<string>();

beforeAll(() => resetMailboxes(...OWN_USERS, 'exo01', 'exo02', 'exo03', 'exo04', 'exo05'));

// every fault scenario ends with no IMAP session of its sender left open (scenario 13)
afterEach(async () => {
	for (const sender of SENDERS) expect(await settlesToZero(() => dovecotSessions(sender))).toBe(0);
	SENDERS.clear();
});

function request(sender: string, options: Parameters<typeof sequenceRequest>[0]): RunRequest {
	SENDERS.add(sender);
	return sequenceRequest(options);
}

/** The request sent through another SMTP endpoint (plain text: a proxy or an in-process server). */
function via(base: RunRequest, port: number, socketTimeoutMs?: number): RunRequest {
	return {
		...base,
		settings: { ...base.settings, smtp: { host: '127.0.0.1', port, security: 'none' } },
		...(socketTimeoutMs ? { tuning: { smtpSocketTimeoutMs: socketTimeoutMs } } : {}),
	};
}

const hello = [{ subject: 'Hello', text: 'Hi there' }];

describe('scenario 1: an ambiguous SMTP outcome never releases the claim', () => {
	it('scenario 1: a reset after the final "." of DATA (Postfix queued it) counts the step as sent, unconfirmed, and never sends it again', async () => {
		const proxy = await faultProxy({ host: stack.host, port: stack.mxPort });
		try {
			const key = `reset-dot-${unique()}`;
			const base = via(request('u81', { sender: 'u81', sequenceKey: key, steps: hello, prospects: [addressOf('u82')] }), proxy.port);
			proxy.smtpFault = 'reset-after-dot';
			const first = await runAt(base, NOW);
			expect(first[0]).toMatchObject({ status: 'sent', step: 1, unconfirmed: true });
			expect(first[0].reason).toMatch(/counted as sent, unconfirmed/);
			const id = sequenceMessageId(key, addressOf('u82'), 1, 'example.test');
			await waitForMessage('u82', (m) => m.messageId === id);

			proxy.smtpFault = undefined;
			const again = await runAt(base, LATER);
			expect(again[0]).toMatchObject({ status: 'completed', history: [{ step: 1, messageId: id, unconfirmed: true }] });
			expect((await readMailbox('u82')).filter((m) => m.messageId === id)).toHaveLength(1);
		} finally {
			await proxy.close();
		}
	});

	it('scenario 1: a server that never answers after the message (a content filter slower than the timeout) leaves it unconfirmed and stops the mailbox for the run', async () => {
		const server = await faultSmtpServer((to) => (to.startsWith('slow') ? { at: 'data', silent: true } : undefined));
		try {
			const base = via(
				request('u83', { sender: 'u83', sequenceKey: `slow-${unique()}`, steps: hello, prospects: ['slow@example.test', 'next@example.test'] }),
				server.port,
				300,
			);
			const first = await runAt(base, NOW);
			expect(first.map((r) => [r.status, r.unconfirmed ?? false])).toEqual([
				['sent', true],
				['failed', false],
			]);
			expect(first[1].reason).toMatch(/stopped for this run/);
			expect(server.received).toEqual(['slow@example.test']);
			// the claim stayed in Sent: the next run does not send to the slow prospect again
			const again = await runAt(base, LATER);
			expect(again.map((r) => r.status)).toEqual(['completed', 'sent']);
			expect(server.received).toEqual(['slow@example.test', 'next@example.test']);
		} finally {
			await server.close();
		}
	});

	it('scenario 1: a final 421 after the "." releases the claim: the server took nothing', async () => {
		const server = await faultSmtpServer(() => ({ at: 'data', code: 421, text: '4.3.2 Service shutting down' }));
		try {
			const base = via(request('u84', { sender: 'u84', sequenceKey: `421-${unique()}`, steps: hello, prospects: ['any@example.test'] }), server.port);
			const first = await runAt(base, NOW);
			expect(first[0]).toMatchObject({ status: 'failed', error: expect.objectContaining({ code: 'SMTP_TEMPORARY', temporary: true }) });
			expect(await readMailbox('u84', 'Sent')).toEqual([]);
		} finally {
			await server.close();
		}
	});

	it('scenario 1: a reset before DATA (at RCPT) releases the claim, and the next run sends the step once', async () => {
		const proxy = await faultProxy({ host: stack.host, port: stack.mxPort });
		try {
			const key = `reset-rcpt-${unique()}`;
			const base = via(request('u85', { sender: 'u85', sequenceKey: key, steps: hello, prospects: [addressOf('u86')] }), proxy.port);
			proxy.smtpFault = 'reset-at-rcpt';
			const first = await runAt(base, NOW);
			expect(first[0]).toMatchObject({ status: 'failed', error: expect.objectContaining({ temporary: true }) });
			expect(await readMailbox('u85', 'Sent')).toEqual([]);
			proxy.smtpFault = undefined;
			const again = await runAt(base, LATER);
			expect(again[0]).toMatchObject({ status: 'sent', step: 1 });
			expect(again[0].unconfirmed).toBeUndefined();
			const id = sequenceMessageId(key, addressOf('u86'), 1, 'example.test');
			await waitForMessage('u86', (m) => m.messageId === id);
			expect((await readMailbox('u86')).filter((m) => m.messageId === id)).toHaveLength(1);
		} finally {
			await proxy.close();
		}
	});
});

describe('scenario 2: a claim wins only while its own copy is there', () => {
	it('scenario 2: a claim whose own copy was removed after the APPEND (a provider replacing it) does not win against a later claim', async () => {
		SENDERS.add('u89');
		const settings = settingsFor('u89');
		const sessions: ImapFlow[] = await Promise.all([connectImap(settings), connectImap(settings), connectImap(settings)]);
		try {
			const [a, b, provider] = sessions;
			const sent = await findSentFolder(a);
			await Promise.all(sessions.map((s) => s.mailboxOpen(sent)));
			const id = `<sq.${unique()}.1.0000000000000000@example.test>`;
			const raw = await composeRaw({ from: { name: '', address: 'u89@example.test' }, to: { name: '', address: 'x@example.test' }, subject: 'Claim', text: 'Hi', messageId: id, date: NOW });
			let racerB: Awaited<ReturnType<typeof claimStep>> | undefined;
			// between A's APPEND and A's SEARCH: A's copy disappears, then B claims the same step
			const append = a.append.bind(a);
			a.append = async (...args: Parameters<ImapFlow['append']>) => {
				const appended = await append(...args);
				// the provider's session must see the new message before it can remove it
				await provider.noop();
				if (appended) await provider.messageDelete(String(appended.uid), { uid: true });
				racerB = await claimStep(b, sent, raw, id, NOW);
				return appended;
			};
			const racerA = await claimStep(a, sent, raw, id, NOW);
			expect(racerB?.won).toBe(true);
			expect(racerA.won).toBe(false);
			expect(await copiesOf(provider, id)).toEqual([racerB?.won ? racerB.claim.uid : -1]);
		} finally {
			await Promise.all(sessions.map((s) => closeImap(s)));
		}
	});
});

describe('scenario 5: every re-check result counts', () => {
	it('scenario 5: a reply read by the re-check of a lost claim still stops that replier\'s next step', async () => {
		const key = `recheck-lost-${unique()}`;
		const [p0, p1, p2] = ['u91', 'u92', 'u93'];
		const steps = [hello[0], { subject: '', text: 'Following up', wait: { amount: 1, unit: 'days' as const } }];
		const base = request('u90', {
			sender: 'u90',
			sequenceKey: key,
			steps,
			prospects: [p0, p1, p2].map(addressOf),
			settings: { pacingMinSeconds: 60, pacingMaxSeconds: 60 },
		});
		const start = new Date(Date.now() - 3 * 24 * 60 * 60_000);
		await runAt(base, start);
		const p2Step1 = sequenceMessageId(key, addressOf(p2), 1, 'example.test');
		await waitForMessage(p2, (m) => m.messageId === p2Step1);

		// run B: p0's step 2 goes out; in the pacing pause run A claims p1's step 2 and p2 replies, so
		// B loses p1's claim in the very step whose re-check reads p2's reply
		const clock = simulatedClock(new Date(start.getTime() + 2 * 24 * 60 * 60_000));
		let paused = false;
		const results = await runSequence(base, {
			...clock,
			sleep: async (ms) => {
				if (!paused) {
					paused = true;
					const session = await connectImap(base.settings);
					try {
						const sent = await findSentFolder(session);
						await session.mailboxOpen(sent);
						const p1Step2 = sequenceMessageId(key, addressOf(p1), 2, 'example.test');
						const raw = await composeRaw({ from: { name: '', address: 'u90@example.test' }, to: { name: '', address: addressOf(p1) }, subject: 'Re: Hello', text: 'A', messageId: p1Step2, date: clock.now() });
						expect((await claimStep(session, sent, raw, p1Step2, clock.now())).won).toBe(true);
					} finally {
						await closeImap(session);
					}
					await replyFrom(p2, 'u90@example.test', p2Step1, { text: 'Yes, call me.' });
					await waitForMessage('u90', (m) => m.from === addressOf(p2));
				}
				await clock.sleep(ms);
			},
		});
		expect(results.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([
			['sent', 2],
			['notDue', 2],
			['stopped', 'replied'],
		]);
		expect((await readMailbox(p2)).filter((m) => m.messageId === sequenceMessageId(key, addressOf(p2), 2, 'example.test'))).toEqual([]);
	});

	it('scenario 5: a re-check that failed while examining the new mail reads the same mail again next time', async () => {
		SENDERS.add('u94');
		const settings = settingsFor('u94');
		const [sentSession, inbox] = await Promise.all([connectImap(settings), connectImap(settings)]);
		try {
			const sentPath = await findSentFolder(sentSession);
			await sentSession.mailboxOpen(sentPath);
			const reader = new LedgerReader({ sent: sentSession, inbox }, sentPath, ['INBOX'], accountKey(settings.imap.host, settings.imap.port, settings.user));
			await reader.watchFromNow();
			await replyFrom('u95', 'u94@example.test', null, { subject: 'Hello again', text: 'Is this still on?' });
			await waitForMessage('u94', (m) => m.from === addressOf('u95'));
			const fetch = inbox.fetch.bind(inbox);
			let failures = 1;
			// the first FETCH of the re-check breaks off as a lost connection would; later ones go through
			inbox.fetch = ((...args: Parameters<ImapFlow['fetch']>) => {
				const messages = fetch(...args);
				if (failures-- > 0) {
					return (async function* () {
						// ends the command, then breaks off before the first message is handed on
						for await (const message of messages) {
							if (message) throw new Error('connection lost during FETCH');
							yield message;
						}
						throw new Error('connection lost during FETCH');
					})();
				}
				return messages;
			}) as ImapFlow['fetch'];
			const run = runRelevance(`scenario-5-${unique()}`, [addressOf('u95')]);
			await expect(reader.arrivedSince(run)).rejects.toThrow('connection lost during FETCH');
			const again = await reader.arrivedSince(run);
			expect(again.map((m) => m.from)).toEqual([addressOf('u95')]);
		} finally {
			await Promise.all([closeImap(sentSession), closeImap(inbox)]);
		}
	});
});

describe('scenario 4: a recipient refused for good is recorded as bounced, not retried every run', () => {
	it('scenario 4: 550 5.1.1 at RCPT stops the prospect as bounced with the SMTP answer, no later run tries again, and its kept claim reads as bounced (not unconfirmed) in later runs and Preview', async () => {
		// Postfix on the stack accepts unknown local users and bounces later; a refusal at RCPT needs the in-process server
		const rcptTried: string[] = [];
		const server = await faultSmtpServer((to) => {
			rcptTried.push(to);
			return to.startsWith('nobody') ? { at: 'rcpt', code: 550, text: `5.1.1 <${to}>: Recipient address rejected: User unknown` } : undefined;
		});
		try {
			const key = `refused-${unique()}`;
			const gone = `nobody-${unique()}@elsewhere.test`;
			const base = via(request('u98', { sender: 'u98', sequenceKey: key, steps: hello, prospects: [gone, 'someone@elsewhere.test'] }), server.port);
			const first = await runAt(base, NOW);
			expect(first.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([
				['stopped', 'bounced'],
				['sent', 1],
			]);
			expect(first[0].smtpResponse).toBe(`550 5.1.1 <${gone}>: Recipient address rejected: User unknown`);
			expect(first[0].reason).toBe(
				`Step 1 refused by the SMTP server for this recipient: 550 5.1.1 <${gone}>: Recipient address rejected: User unknown. Recorded as a bounce in INBOX; the step is not tried again.`,
			);
			const id = sequenceMessageId(key, gone, 1, 'example.test');
			const reports = async () => (await readMailbox('u98')).filter((m) => m.source.includes(id));
			expect((await reports()).map((m) => m.from)).toEqual(['MAILER-DAEMON@example.test']);

			const again = await runAt(base, LATER);
			expect(again[0]).toMatchObject({ status: 'stopped', stopReason: 'bounced' });
			expect(again[1].status).toBe('completed');
			expect(rcptTried.filter((to) => to === gone)).toHaveLength(1);
			expect(await reports()).toHaveLength(1);
			expect((await readMailbox('u98', 'Sent')).filter((m) => m.messageId === id)).toHaveLength(1);

			// the kept claim has no $SeqSent and is older than UNCONFIRMED_AFTER_MS by now: the refusal filed in
			// INBOX says what became of it, in a later run and in Preview alike (it used to read `unconfirmed`)
			const preview = await runAt({ ...base, operation: 'preview' }, LATER);
			for (const later of [again[0], preview[0]]) expect(later.history).toEqual([{ step: 1, messageId: id, sentAt: expect.any(String), bounced: true }]);
		} finally {
			await server.close();
		}
	});
});

describe('scenario 6: the daily limit holds for runs at the same time', () => {
	const LIMIT = 3;
	/** Sends in `user`'s Sent of any of `keys`, as distinct Message-IDs (what the daily limit counts). */
	const sentIds = async (user: string, keys: string[]) => {
		const hashes = keys.map((k) => sequenceMessageId(k, 'x@example.test', 1, 'example.test').split('.')[1]);
		return new Set((await readMailbox(user, 'Sent')).map((m) => m.messageId).filter((id) => hashes.some((h) => id.startsWith(`<sq.${h}.`))));
	};
	/** Waits for every sent step to arrive, then counts what the prospects received with `tag`. */
	const delivered = async (user: string, ids: Set<string>, tag: string) => {
		for (const id of ids) await waitForMessage(user, (m) => m.messageId === id);
		return (await readMailbox(user)).filter((m) => m.headers.includes(tag)).length;
	};

	it('scenario 6: two processes on the same prospects with a limit below the due count send the limit, not twice the limit', async () => {
		SENDERS.add('u100');
		const tag = unique();
		const key = `limit-processes-${tag}`;
		const prospects = Array.from({ length: 6 }, (_, i) => `u99+p${i}${tag}@example.test`);
		const config = JSON.stringify({ sender: 'u100', sequenceKey: key, prospects, steps: hello, dailyLimit: LIMIT });
		const runProcess = () =>
			new Promise<{ code: number | null; out: string }>((resolve) => {
				const child = spawn(TSX, [CLI, config], { stdio: ['ignore', 'pipe', 'inherit'] });
				let out = '';
				child.stdout.on('data', (c: Buffer) => (out += c.toString()));
				child.on('close', (code) => resolve({ code, out }));
			});
		const [a, b] = await Promise.all([runProcess(), runProcess()]);
		expect([a.code, b.code]).toEqual([0, 0]);
		const statuses = [...(JSON.parse(a.out) as string[]), ...(JSON.parse(b.out) as string[])];
		expect(statuses.filter((s) => s === 'sent')).toHaveLength(LIMIT);
		const ids = await sentIds('u100', [key]);
		expect(ids.size).toBe(LIMIT);
		expect(await delivered('u99', ids, tag)).toBe(LIMIT);
	});

	it('scenario 6: two workflows (two sequences) on one mailbox at the same time share one daily limit', async () => {
		const tag = unique();
		const keys = [`limit-wf-a-${tag}`, `limit-wf-b-${tag}`];
		const runs = keys.map((key, w) =>
			request('u99', {
				sender: 'u99',
				sequenceKey: key,
				steps: hello,
				prospects: Array.from({ length: 4 }, (_, i) => `u100+w${w}${i}${tag}@example.test`),
				settings: { dailyLimit: LIMIT },
			}),
		);
		const env = () => ({ now: () => new Date(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)), random: Math.random });
		const [a, b] = await Promise.all(runs.map((run) => runSequence(run, env())));
		expect([...a, ...b].filter((r) => r.status === 'sent')).toHaveLength(LIMIT);
		expect([...a, ...b].filter((r) => r.status !== 'sent').map((r) => r.status)).toEqual(Array(8 - LIMIT).fill('dailyLimitReached'));
		const ids = await sentIds('u99', keys);
		expect(ids.size).toBe(LIMIT);
		expect(await delivered('u100', ids, tag)).toBe(LIMIT);
	});
});

describe('scenario 3: a Sent folder that keeps no custom keywords (Exchange-like exo users)', () => {
	const twoSteps = [{ subject: 'Hello', text: 'Hi there' }, { subject: '', text: 'Following up', wait: { amount: 10, unit: 'minutes' as const } }];

	it('scenario 3: the run says so once, asks the server for no keyword it would drop, and racing, warm and cold runs send each step once and stop on a reply', async () => {
		const sent = await connectImap(settingsFor('exo01'));
		try {
			// the folder really drops keywords, like Exchange Online: PERMANENTFLAGS without \*
			const box = await sent.mailboxOpen(await findSentFolder(sent));
			expect([...(box.permanentFlags ?? [])]).not.toContain('\\*');
		} finally {
			await closeImap(sent);
		}
		const key = `no-keywords-${unique()}`;
		const base = request('exo01', { sender: 'exo01', sequenceKey: key, steps: twoSteps, prospects: [addressOf('exo02'), addressOf('exo03')] });
		const warnings: string[] = [];
		const env = (at: Date) => ({ ...simulatedClock(at), log: { warn: (message: string) => warnings.push(message) } });

		// two executions at once: each step goes out once (lowest UID per Message-ID, no keyword needed)
		const [a, b] = await Promise.all([runSequence(base, env(NOW)), runSequence(base, env(NOW))]);
		expect([...a, ...b].filter((r) => r.status === 'sent').map((r) => r.email).sort()).toEqual([addressOf('exo02'), addressOf('exo03')]);
		// imapflow's own warning when a server drops flags ("flags dropped: $SeqClaim"): none, none were asked for
		expect(warnings.filter((w) => /dropped/i.test(w))).toEqual([]);
		expect((await readMailbox('exo01', 'Sent')).map((m) => m.flags.filter((f) => f.startsWith('$Seq')))).toEqual([[], []]);
		const first = (user: string) => sequenceMessageId(key, addressOf(user), 1, 'example.test');
		await waitForMessage('exo02', (m) => m.messageId === first('exo02'));
		await replyFrom('exo02', addressOf('exo01'), first('exo02'));
		await waitForMessage('exo01', (m) => m.subject === 'Re: hello');

		// a warm ledger cache (this process's index of Sent and INBOX), then a cold one (a restarted n8n)
		const warm = await runSequence(base, env(LATER));
		expect(warm.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([
			['stopped', 'replied'],
			['sent', 2],
		]);
		ledgerIndexes.clear();
		const cold = await runSequence({ ...base, operation: 'preview' }, env(LATER));
		expect(cold.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([
			['stopped', 'replied'],
			['completed', 2],
		]);
		expect(cold[1].history.map((h) => [h.step, h.unconfirmed ?? false])).toEqual([
			[1, false],
			[2, false],
		]);
		for (const [user, count] of [['exo02', 1], ['exo03', 2]] as const) {
			await waitForMessage(user, (m) => m.messageId === sequenceMessageId(key, addressOf(user), count, 'example.test'));
			expect((await readMailbox(user)).filter((m) => m.headers.includes(`sq.`) && m.subject !== 'Re: hello')).toHaveLength(count);
		}
		expect(warnings).toEqual([
			`Sent folder "Sent" of ${addressOf('exo01')} keeps no custom keywords (no \\* in PERMANENTFLAGS, as on Exchange Online): steps are still sent at most once and the daily limit still holds (the copies in Sent decide), but a step whose SMTP answer was lost cannot be reported as unconfirmed, and copies the provider files itself are not de-duplicated.`,
		]);
	});

	it('scenario 3: an ambiguous SMTP outcome there still keeps the claim: counted as sent, never sent again', async () => {
		const proxy = await faultProxy({ host: stack.host, port: stack.mxPort });
		try {
			const key = `no-keywords-reset-${unique()}`;
			const base = via(request('exo04', { sender: 'exo04', sequenceKey: key, steps: hello, prospects: [addressOf('exo05')] }), proxy.port);
			proxy.smtpFault = 'reset-after-dot';
			const first = await runAt(base, NOW);
			expect(first[0]).toMatchObject({ status: 'sent', unconfirmed: true });
			const id = sequenceMessageId(key, addressOf('exo05'), 1, 'example.test');
			await waitForMessage('exo05', (m) => m.messageId === id);
			proxy.smtpFault = undefined;
			ledgerIndexes.clear();
			const again = await runAt(base, LATER);
			expect(again[0]).toMatchObject({ status: 'completed', history: [{ step: 1, messageId: id }] });
			expect((await readMailbox('exo05')).filter((m) => m.messageId === id)).toHaveLength(1);
		} finally {
			await proxy.close();
		}
	});

	it('scenario 3: a server that refuses UID SEARCH KEYWORD, as Exchange Online does ("BAD Command Argument Error. 11"), still reads its ledger', async () => {
		const imap = await faultProxy({ host: stack.host, port: stack.imapPort });
		// like Exchange Online: no CONDSTORE/QRESYNC (so the ledger re-checks its copies by SEARCH), and
		// "BAD Command Argument Error. 11" to any SEARCH KEYWORD
		imap.imapHideCapabilities = ['CONDSTORE', 'QRESYNC'];
		imap.imapRefuse = { command: /^UID SEARCH .*KEYWORD/i, text: 'Command Argument Error. 11' };
		try {
			const key = `no-keywords-search-${unique()}`;
			const plain = settingsFor('exo04', { imap: 'none' });
			const base = request('exo04', { sender: 'exo04', sequenceKey: key, steps: hello, prospects: [addressOf('exo05')] });
			const exchangeLike = { ...base, settings: { ...base.settings, imap: { ...plain.imap, host: '127.0.0.1', port: imap.port } } };
			expect((await runAt(exchangeLike, NOW))[0].status).toBe('sent');
			// a later run validates the copies it uses (a warm ledger cache), then one in a restarted n8n (cold)
			expect((await runAt(exchangeLike, LATER)).map((r) => [r.status, r.error?.message])).toEqual([['completed', undefined]]);
			ledgerIndexes.clear();
			expect((await runAt({ ...exchangeLike, operation: 'preview' }, LATER)).map((r) => r.status)).toEqual(['completed']);
			// its folders define no keyword, so the run never asked
			expect(imap.imapRefused).toBe(0);
			const id = sequenceMessageId(key, addressOf('exo05'), 1, 'example.test');
			await waitForMessage('exo05', (m) => m.messageId === id);
			expect((await readMailbox('exo05')).filter((m) => m.messageId === id)).toHaveLength(1);
		} finally {
			await imap.close();
		}
	});
});

describe('scenario 13: every path closes its sockets', () => {
	it('scenario 13: a run whose IMAP login fails has closed every connection when it returns', async () => {
		const base = request('u87', { sender: 'u87', sequenceKey: `login-${unique()}`, steps: hello, prospects: [addressOf('u88')] });
		const results = await runSequence({ ...base, settings: { ...base.settings, password: 'not-the-password' } }, simulatedClock(NOW));
		expect(results[0].error?.code).toBe('AUTH_FAILED');
		// sockets of this file's earlier tests may still be closing (FIN_WAIT): a leak is one that stays
		expect(await settlesToZero(() => ownSocketsTo(stack.imapsPort))).toBe(0);
	});
});
