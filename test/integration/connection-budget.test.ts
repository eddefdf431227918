/**
 * Connections per mailbox (issue #10) on the real Dovecot at its default limit of 10 simultaneous
 * connections per user and address (the test stack's `mail_max_userip_connections`). A run that finds
 * the limit reached waits within its own time budget, and either gets through once a connection frees
 * up or fails with an error that names the limit — never a bare "Command failed" or a wrong-password
 * message.
 */
import type { ImapFlow } from 'imapflow';
import { closeImap, connectImap } from '../../transport/imap-client';
import { runSequence } from '../../transport/sequence-run';
import { addressOf, resetMailboxes, settingsFor } from '../helpers/mailstack';
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
