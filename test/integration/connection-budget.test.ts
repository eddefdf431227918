/**
 * Connections per mailbox (issue #10) on the real Dovecot at its default limit of 10 simultaneous
 * connections per user and address (the test stack's `mail_max_userip_connections`). A run that finds
 * the limit reached waits within its own time budget, and either gets through once a connection frees
 * up or fails with an error that names the limit — never a bare "Command failed" or a wrong-password
 * message. And how many connections a run opens, as README's "Connections per mailbox" says: a Preview or
 * a Send run with nothing due 1, a Send run that sends 3 (counted at a TCP proxy in front of Dovecot).
 * Users s13–s14 and s21–s22 belong to this file.
 */
import type { ImapFlow } from 'imapflow';
import type { RunRequest } from '../../core/sequence/run-request';
import { closeImap, connectImap } from '../../transport/imap-client';
import { runSequence } from '../../transport/sequence-run';
import { faultProxy } from '../helpers/fault-proxy';
import { addressOf, resetMailboxes, settingsFor, stack } from '../helpers/mailstack';
import { sequenceRequest, simulatedClock, type TestStep } from '../helpers/sequence';

const LIMIT = 10;
const steps: TestStep[] = [{ subject: 'Hello', text: 'Hi there.' }];
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** Takes every connection the server allows `user` from this address. */
async function holdAll(user: string): Promise<ImapFlow[]> {
	const held: ImapFlow[] = [];
	for (let i = 0; i < LIMIT; i++) held.push(await connectImap(settingsFor(user)));
	return held;
}

const realPause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('connection budget at the server limit of 10 (real Dovecot)', () => {
	const held: ImapFlow[] = [];

	beforeAll(() => resetMailboxes('s13', 's14'));
	afterEach(async () => {
		await Promise.all(held.splice(0).map((c) => closeImap(c)));
	});

	it('the test stack allows 10 connections per user, as Dovecot does by default', async () => {
		held.push(...(await holdAll('s13')));
		await expect(connectImap(settingsFor('s13'))).rejects.toMatchObject({ code: 'CONNECTION_LIMIT' });
	});

	it('a run that finds the limit reached waits within its time budget, then says the connection limit was reached', async () => {
		held.push(...(await holdAll('s13')));
		const request = sequenceRequest({ sender: 's13', sequenceKey: `budget-${unique()}`, steps, prospects: [addressOf('s14')], settings: { maxRunMinutes: 2 } });
		const env = simulatedClock(new Date());
		const [result] = await runSequence(request, env);
		expect(result.status).toBe('failed');
		expect(result.error?.code).toBe('CONNECTION_LIMIT');
		expect(result.error?.message).toMatch(/limit of simultaneous connections was reached/);
		expect(result.error?.message).toMatch(/waited \d+ s/);
		expect(result.error?.message).not.toMatch(/Command failed|password/i);
		// it did wait, and not past its budget
		const waited = env.slept.reduce((a, b) => a + b, 0);
		expect(env.slept.length).toBeGreaterThan(2);
		expect(waited).toBeLessThanOrEqual(2 * 60_000);
	});

	it('a run that finds the limit reached gets through once another client frees a connection', async () => {
		held.push(...(await holdAll('s13')));
		const request = sequenceRequest({ sender: 's13', sequenceKey: `budget-${unique()}`, steps, prospects: [addressOf('s14')] });
		const clock = simulatedClock(new Date());
		let pauses = 0;
		const env = {
			...clock,
			sleep: async (ms: number) => {
				pauses++;
				// another workflow finishes: two connections free up (the run needs 1, then 2 more to send)
				if (pauses === 1) await Promise.all(held.splice(0, 3).map((c) => closeImap(c)));
				// Dovecot counts a closed session a moment after LOGOUT
				await realPause(200);
				await clock.sleep(ms);
			},
		};
		const [result] = await runSequence(request, env);
		expect(result.status).toBe('sent');
		expect(pauses).toBeGreaterThan(0);
	});
});

describe('connections a run opens (README "Connections per mailbox")', () => {
	beforeAll(() => resetMailboxes('s21', 's22'));

	/** `request` with its IMAP routed through a counting proxy in front of Dovecot; returns how many connections the run opened. */
	async function connectionsOpenedBy(request: RunRequest, at: Date): Promise<{ opened: number; statuses: string[] }> {
		const proxy = await faultProxy({ host: stack.host, port: stack.imapPort });
		try {
			const plain = settingsFor('s21', { imap: 'none' });
			const routed: RunRequest = { ...request, settings: { ...request.settings, imap: { ...plain.imap, host: '127.0.0.1', port: proxy.port } } };
			const results = await runSequence(routed, simulatedClock(at));
			return { opened: proxy.accepted, statuses: results.map((r) => r.status) };
		} finally {
			await proxy.close();
		}
	}

	it('a Preview opens 1, a Send run that sends 3, a Send run with nothing due 1', async () => {
		const twoSteps: TestStep[] = [steps[0], { subject: 'Following up', text: 'Any thoughts?', wait: { amount: 3, unit: 'days' } }];
		const request = (operation: 'send' | 'preview') =>
			sequenceRequest({ sender: 's21', sequenceKey: `budget-count-${unique()}`, steps: twoSteps, prospects: [addressOf('s22'), `s22+b@${addressOf('s22').split('@')[1]}`], operation });
		const now = new Date();
		const preview = request('preview');
		expect(await connectionsOpenedBy(preview, now)).toEqual({ opened: 1, statuses: ['due', 'due'] });
		const send = { ...request('send'), sequenceKey: preview.sequenceKey };
		expect(await connectionsOpenedBy(send, now)).toEqual({ opened: 3, statuses: ['sent', 'sent'] });
		// step 2 waits 3 days: nothing is due an hour later
		expect(await connectionsOpenedBy(send, new Date(now.getTime() + 60 * 60_000))).toEqual({ opened: 1, statuses: ['notDue', 'notDue'] });
	});
});
