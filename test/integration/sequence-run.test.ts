/**
 * The SMTP Sequence run against the real Postfix + Dovecot, over simulated days (injected clock):
 * threading headers in the recipient's mailbox, stop on a real reply, stop on a real DSN bounce, the
 * daily limit across runs, 450/550 handling, never twice when runs overlap.
 */
import { parseSequenceMessageId, sequenceMessageId } from '../../core/mail/message-id';
import { runSequence } from '../../transport/sequence-run';
import { addressOf, resetMailboxes } from '../helpers/mailstack';
import { readMailbox, replyFrom, runAt, sequenceRequest, simulatedClock, waitForMessage, type TestStep } from '../helpers/sequence';

/**
 * A Monday three weeks ago, 09:00 UTC: simulated runs happen in the past, so the real replies and bounces
 * that arrive now are later than the simulated sends, as they would be in life.
 */
const MONDAY = (() => {
	const d = new Date(Date.now() - 21 * 24 * 60 * 60 * 1000);
	d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
	d.setUTCHours(9, 0, 0, 0);
	return d;
})();
const days = (n: number) => new Date(MONDAY.getTime() + n * 24 * 60 * 60 * 1000);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const threeSteps: TestStep[] = [
	{ subject: '{Quick question|Question} for {{ company }}', text: 'Hi {{ name }},\n\nare you the right person at {{ company }}?' },
	{ subject: '', text: 'Hi {{ name }}, just bumping this.', wait: { amount: 2, unit: 'days' } },
	{ subject: '', text: 'Last one from me, {{ name }}.', wait: { amount: 1, unit: 'businessDays' } },
];

beforeAll(() => resetMailboxes(...Array.from({ length: 18 }, (_, i) => `u${String(i + 2).padStart(2, '0')}`), 'u65', 'u66', 'u67', 'u69', 'u70', 'u71', 'u72'));

describe('SMTP Sequence over simulated days (real Postfix + Dovecot)', () => {
	it('threads follow-ups, stops on a real reply and on a real bounce, completes the rest', async () => {
		const key = `days-${unique()}`;
		const replier = 'u03';
		const continuer = 'u04';
		const ghost = `ghost-${unique()}@example.test`;
		const request = sequenceRequest({
			sender: 'u02',
			sequenceKey: key,
			steps: threeSteps,
			prospects: [
				{ email: addressOf(replier), name: 'Rita', company: 'Acme' },
				{ email: addressOf(continuer), name: 'Carl', company: 'Globex' },
				{ email: ghost, name: 'Gus', company: 'Nowhere' },
			],
		});

		const run1 = await runAt(request, MONDAY);
		expect(run1.map((r) => [r.status, r.step])).toEqual([['sent', 1], ['sent', 1], ['sent', 1]]);
		const step1Id = sequenceMessageId(key, addressOf(replier), 1, 'example.test');
		expect(run1[0].messageId).toBe(step1Id);
		expect(run1[0].threadMessageId).toBe(step1Id);
		expect(run1[1].nextStepAt).toBe(days(2).toISOString());

		// the prospect got it, with unsubscribe headers, and answers from their own mailbox
		const received = await waitForMessage(replier, (m) => m.messageId === step1Id);
		expect(received.subject).toMatch(/^(Quick question|Question) for Acme$/);
		expect(received.headers).toMatch(/^List-Unsubscribe: <mailto:u02@example\.test\?subject=unsubscribe>/m);
		await replyFrom(replier, 'u02@example.test', step1Id, { subject: `Re: ${received.subject}` });
		await waitForMessage('u02', (m) => m.from === addressOf(replier));
		// the unknown user's DSN comes back from Postfix
		await waitForMessage('u02', (m) => /mailer-daemon/i.test(m.from) && m.source.includes(sequenceMessageId(key, ghost, 1, 'example.test')));

		const run2 = await runAt(request, days(2));
		expect(run2.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([['stopped', 'replied'], ['sent', 2], ['stopped', 'bounced']]);
		const step2 = await waitForMessage(continuer, (m) => m.messageId === run2[1].messageId);
		const firstSubject = (await readMailbox(continuer)).find((m) => parseSequenceMessageId(m.messageId)?.step === 1)?.subject;
		expect(step2.subject).toBe(`Re: ${firstSubject}`);
		const continuerStep1 = sequenceMessageId(key, addressOf(continuer), 1, 'example.test');
		expect(step2.headers).toContain(`In-Reply-To: ${continuerStep1}`);
		expect(step2.headers).toContain(`References: ${continuerStep1}`);

		// the same day again: nothing due; Wednesday + 1 business day = Thursday
		const run3 = await runAt(request, new Date(days(2).getTime() + 5 * 60_000));
		expect(run3[1]).toMatchObject({ status: 'notDue', step: 3, nextStepAt: days(3).toISOString() });

		const run4 = await runAt(request, days(3));
		expect(run4[1]).toMatchObject({ status: 'sent', step: 3 });
		const step3 = await waitForMessage(continuer, (m) => m.messageId === run4[1].messageId);
		expect(step3.headers).toContain(`In-Reply-To: ${run2[1].messageId}`);
		expect(step3.headers).toMatch(new RegExp(`References: ${continuerStep1}\\s+${run2[1].messageId}`));

		const run5 = await runAt(request, days(10));
		expect(run5.map((r) => r.status)).toEqual(['stopped', 'completed', 'stopped']);
		// every step reached the continuer exactly once
		const ours = (await readMailbox(continuer)).filter((m) => parseSequenceMessageId(m.messageId)?.sequenceHash === parseSequenceMessageId(step1Id)?.sequenceHash);
		expect(ours.map((m) => parseSequenceMessageId(m.messageId)?.step).sort()).toEqual([1, 2, 3]);
	});

	it('holds the daily limit across runs, counted from the Sent folder', async () => {
		const key = `limit-${unique()}`;
		const request = sequenceRequest({
			sender: 'u05',
			sequenceKey: key,
			steps: [{ subject: 'Hello', text: 'Hi there' }],
			prospects: ['u06', 'u07', 'u08'].map(addressOf),
			settings: { dailyLimit: 2 },
		});
		const first = await runAt(request, MONDAY);
		expect(first.map((r) => r.status)).toEqual(['sent', 'sent', 'dailyLimitReached']);
		// a second run (another execution, same day) still sees two sent today
		const second = await runAt(request, new Date(MONDAY.getTime() + 60 * 60_000));
		expect(second.map((r) => r.status)).toEqual(['completed', 'completed', 'dailyLimitReached']);
		// the window is open all day in this test: the next day starts at midnight
		expect(second[2].nextStepAt).toBe(new Date(days(1).getTime() - 9 * 60 * 60 * 1000).toISOString());
		const nextDay = await runAt(request, days(1));
		expect(nextDay.map((r) => r.status)).toEqual(['completed', 'completed', 'sent']);
	});

	it('450 → failed temporary and nothing recorded; 5.7.1 → mailbox blocked for the rest of the run', async () => {
		const key = `smtp-${unique()}`;
		const request = sequenceRequest({
			sender: 'u09',
			sequenceKey: key,
			steps: [{ subject: 'Hello', text: 'Hi there' }],
			prospects: ['tempfail@example.test', addressOf('u10'), 'reject@example.test', addressOf('u11')],
		});
		const results = await runAt(request, MONDAY);
		expect(results[0]).toMatchObject({ status: 'failed', error: expect.objectContaining({ code: 'SMTP_TEMPORARY', temporary: true }) });
		expect(results[1]).toMatchObject({ status: 'sent' });
		expect(results[2]).toMatchObject({ status: 'failed', error: expect.objectContaining({ code: 'SMTP_POLICY', temporary: false }) });
		expect(results[3]).toMatchObject({ status: 'failed', error: expect.objectContaining({ code: 'SMTP_POLICY' }) });
		expect(results[3].reason).toMatch(/sending from u09@example\.test stopped for this run/);
		// nothing recorded for the refused ones: Sent holds only u10's message
		const sent = await readMailbox('u09', 'Sent');
		expect(sent.map((m) => m.messageId)).toEqual([sequenceMessageId(key, addressOf('u10'), 1, 'example.test')]);
		// the temporary failure is retried by the next run
		const retry = await runAt(request, days(1));
		expect(retry[0]).toMatchObject({ status: 'failed', error: expect.objectContaining({ code: 'SMTP_TEMPORARY' }) });
		expect(retry[1]).toMatchObject({ status: 'completed' });
	});

	it('two runs at once send every step exactly once', async () => {
		const key = `race-${unique()}`;
		const prospects = ['u12', 'u13', 'u14', 'u15'].map(addressOf);
		const request = sequenceRequest({ sender: 'u16', sequenceKey: key, steps: [{ subject: 'Hello', text: 'Hi' }], prospects });
		const [a, b] = await Promise.all([runSequence(request, simulatedClock(MONDAY)), runSequence(request, simulatedClock(MONDAY))]);
		const sentPerProspect = prospects.map((_, i) => [a[i], b[i]].filter((r) => r.status === 'sent').length);
		expect(sentPerProspect).toEqual([1, 1, 1, 1]);
		for (const user of ['u12', 'u13', 'u14', 'u15']) {
			const copies = (await readMailbox(user)).filter((m) => m.messageId === sequenceMessageId(key, addressOf(user), 1, 'example.test'));
			expect(copies).toHaveLength(1);
		}
	});

	it('previews the next email and the whole schedule without sending', async () => {
		const key = `preview-${unique()}`;
		const request = sequenceRequest({
			sender: 'u17',
			sequenceKey: key,
			operation: 'preview',
			steps: threeSteps,
			prospects: [{ email: addressOf('u18'), name: 'Pia', company: 'Initech' }, { email: addressOf('u19'), name: 'Max' }],
		});
		const results = await runAt(request, MONDAY);
		expect(results[0]).toMatchObject({ status: 'due', step: 1, preview: { next: { email: { text: 'Hi Pia,\n\nare you the right person at Initech?' } } } });
		expect(results[0].preview?.steps.map((s) => ({ step: s.step, at: s.at }))).toEqual([
			{ step: 1, at: MONDAY.toISOString() },
			{ step: 2, at: days(2).toISOString() },
			{ step: 3, at: days(3).toISOString() },
		]);
		expect(results[1]).toMatchObject({ status: 'failed', error: expect.objectContaining({ code: 'MISSING_VARIABLE' }) });
		expect(await readMailbox('u18')).toEqual([]);
	});

	it('never after a reply: a reply that arrives during the pacing wait stops the next send', async () => {
		const key = `recheck-${unique()}`;
		const request = sequenceRequest({
			sender: 'u65',
			sequenceKey: key,
			steps: threeSteps.slice(0, 2),
			prospects: [{ email: addressOf('u66'), name: 'Ann', company: 'A' }, { email: addressOf('u67'), name: 'Ben', company: 'B' }],
			settings: { pacingMinSeconds: 90, pacingMaxSeconds: 90 },
		});
		await runAt(request, MONDAY);
		const benStep1 = sequenceMessageId(key, addressOf('u67'), 1, 'example.test');
		await waitForMessage('u67', (m) => m.messageId === benStep1);
		// run 2: Ann's step 2 goes out, then during the 90 s pause Ben answers step 1
		const clock = simulatedClock(new Date(days(2).getTime() + 5 * 60_000));
		const pausingClock = {
			...clock,
			sleep: async (ms: number) => {
				await replyFrom('u67', 'u65@example.test', benStep1, { text: 'Yes, let us talk.' });
				await waitForMessage('u65', (m) => m.from === addressOf('u67'));
				await clock.sleep(ms);
			},
		};
		const run2 = await runSequence(request, pausingClock);
		expect(run2.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([['sent', 2], ['stopped', 'replied']]);
		expect(clock.slept).toEqual([90_000]);
		expect((await readMailbox('u67')).filter((m) => m.messageId === sequenceMessageId(key, addressOf('u67'), 2, 'example.test'))).toEqual([]);
	});

	it('regression: a thread-breaking reply seen during another prospect\'s re-check was skipped for its sender', async () => {
		const key = `breaker-${unique()}`;
		const request = sequenceRequest({
			sender: 'u69',
			sequenceKey: key,
			steps: threeSteps.slice(0, 2),
			prospects: ['u70', 'u71', 'u72'].map((u) => ({ email: addressOf(u), name: u, company: 'C' })),
			settings: { pacingMinSeconds: 60, pacingMaxSeconds: 60 },
		});
		await runAt(request, MONDAY);
		await waitForMessage('u72', (m) => m.messageId === sequenceMessageId(key, addressOf('u72'), 1, 'example.test'));
		// run 2: u70 gets step 2; during the first pause u72 writes a new email (no In-Reply-To), which the
		// re-check before u71's step 2 reads first
		const clock = simulatedClock(new Date(days(2).getTime() + 10 * 60_000));
		let wrote = false;
		const result = await runSequence(request, {
			...clock,
			sleep: async (ms: number) => {
				if (!wrote) {
					wrote = true;
					await replyFrom('u72', 'u69@example.test', null, { subject: 'Your email', text: 'Please call me tomorrow.' });
					await waitForMessage('u69', (m) => m.from === addressOf('u72'));
				}
				await clock.sleep(ms);
			},
		});
		expect(result.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([['sent', 2], ['sent', 2], ['stopped', 'replied']]);
	});
});
