/**
 * A/B variants and the Report operation on the real Postfix + Dovecot: a scripted story with known
 * replies, bounces (real DSNs from Postfix), an unsubscribe and an auto-reply per variant, over two steps
 * whose second follows the first's variant. The report, read from the mailbox alone, must count exactly
 * what the script did, per step × variant. Users u206 (sender), u207 (prospects, plus-addressed).
 */
import { parseSequenceMessageId, variantName } from '../../core/mail/message-id';
import type { ReportRow } from '../../core/report/sequence-report';
import { stepMessageId, variantOf } from '../../core/sequence/variants';
import { readSequenceReport } from '../../transport/sequence-report';
import { addressOf, resetMailboxes, settingsFor, stack } from '../helpers/mailstack';
import { readMailbox, replyFrom, runAt, sequenceRequest, waitForMessage, type TestStep } from '../helpers/sequence';

const SENDER = 'u206';
const MONDAY = (() => {
	const d = new Date(Date.now() - 21 * 24 * 60 * 60 * 1000);
	d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
	d.setUTCHours(9, 0, 0, 0);
	return d;
})();
const days = (n: number) => new Date(MONDAY.getTime() + n * 24 * 60 * 60 * 1000);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const steps: TestStep[] = [
	{
		subject: 'Idea for {{ company }}',
		text: 'Hi {{ name }}, variant A text.',
		variants: [{ subject: 'Question about {{ company }}', text: 'Hi {{ name }}, variant B text.' }],
	},
	{ subject: '', text: 'Following up (A), {{ name }}.', wait: { amount: 2, unit: 'days' }, variants: [{ subject: '', text: 'Following up (B), {{ name }}.' }] },
];

type Event = 'reply' | 'unsubscribe' | 'autoReply' | 'replyToStep2' | 'none';

beforeAll(() => resetMailboxes(SENDER, 'u207'));

describe('A/B variants and the sequence report (real Postfix + Dovecot)', () => {
	it('counts a scripted story per step × variant from the mailbox alone', async () => {
		const key = `report-${unique()}`;
		const script: Event[] = ['reply', 'reply', 'reply', 'unsubscribe', 'autoReply', 'replyToStep2', 'none', 'none', 'none', 'none', 'none', 'none'];
		const prospects = script.map((_, i) => `u207+p${String(i + 1).padStart(2, '0')}@${stack.domain}`);
		const ghosts = [1, 2].map((i) => `ghost-${unique()}-${i}@${stack.domain}`);
		const everyone = [...prospects, ...ghosts];
		const request = sequenceRequest({
			sender: SENDER,
			sequenceKey: key,
			steps,
			prospects: everyone.map((email, i) => ({ email, name: `P${i + 1}`, company: `Co${i + 1}` })),
		});
		const variant = (email: string) => variantOf(key, email, 1, request.steps) as number;

		// step 1: each prospect gets its variant's subject and a Message-ID with the variant's letter
		const run1 = await runAt(request, MONDAY);
		expect(run1.map((r) => r.status)).toEqual(everyone.map(() => 'sent'));
		for (const [i, email] of everyone.entries()) {
			expect(run1[i].variant).toBe(variantName(variant(email)));
			expect(run1[i].messageId).toBe(stepMessageId(key, email, 1, request.steps, stack.domain));
			expect(parseSequenceMessageId(run1[i].messageId as string)?.variant).toBe(variant(email));
		}
		const inbox = await waitForMessage('u207', () => true);
		expect(inbox).toBeDefined();
		const received = await readMailbox('u207');
		for (const email of prospects) {
			const id = stepMessageId(key, email, 1, request.steps, stack.domain);
			const copy = received.find((m) => m.messageId === id);
			expect(copy?.subject).toBe(variant(email) === 0 ? `Idea for Co${prospects.indexOf(email) + 1}` : `Question about Co${prospects.indexOf(email) + 1}`);
		}

		// the story: real DSNs for the ghosts, replies from the prospect's mailbox
		for (const ghost of ghosts) {
			const id = stepMessageId(key, ghost, 1, request.steps, stack.domain);
			await waitForMessage(SENDER, (m) => /mailer-daemon/i.test(m.from) && m.source.includes(id));
		}
		const sender = addressOf(SENDER);
		for (const [i, event] of script.entries()) {
			const id = stepMessageId(key, prospects[i], 1, request.steps, stack.domain);
			if (event === 'reply') await replyFrom('u207', sender, id, { subject: 'Re: your idea', text: 'Sounds interesting, call me Tuesday.' });
			if (event === 'unsubscribe') await replyFrom('u207', sender, id, { subject: 'Re: your idea', text: 'Please unsubscribe me from this list.' });
			if (event === 'autoReply') {
				await replyFrom('u207', sender, id, {
					subject: 'Automatic reply: Out of office',
					text: 'I am out of the office until next Monday with limited access to email.',
					headers: { 'Auto-Submitted': 'auto-replied', 'X-Autoreply': 'yes' },
				});
			}
		}
		await waitForMessage(SENDER, (m) => m.subject.startsWith('Automatic reply'));

		// step 2 (follows step 1's variant) goes to everyone not stopped: the auto-replier and the quiet ones
		const run2 = await runAt(request, days(2));
		const step2 = run2.filter((r) => r.status === 'sent');
		expect(step2.map((r) => r.email).sort()).toEqual(prospects.filter((_, i) => ['autoReply', 'replyToStep2', 'none'].includes(script[i])).sort());
		for (const r of step2) expect(r.variant).toBe(variantName(variant(r.email)));
		const step2Target = prospects[script.indexOf('replyToStep2')];
		await replyFrom('u207', sender, stepMessageId(key, step2Target, 2, request.steps, stack.domain), { subject: 'Re: your idea', text: 'OK, let us talk next week.' });
		await waitForMessage(SENDER, (m) => m.source.includes('let us talk next week'));

		const { rows, stats } = await readSequenceReport(
			{ sequenceKey: key, settings: settingsFor(SENDER), checkJunk: true, totalSteps: 2 },
			{ now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), random: Math.random },
		);

		// what the script did, per variant
		const expected = (v: number) => {
			const mine = (list: string[]) => list.filter((e) => variant(e) === v);
			const by = (event: Event) => mine(prospects.filter((_, i) => script[i] === event)).length;
			const step2Prospects = mine(prospects.filter((_, i) => ['autoReply', 'replyToStep2', 'none'].includes(script[i])));
			return {
				step1: {
					prospectsStarted: mine(everyone).length,
					emailsSent: mine(everyone).length,
					replies: by('reply'),
					unsubscribes: by('unsubscribe'),
					autoReplies: by('autoReply'),
					bounces: mine(ghosts).length,
					hardBounces: mine(ghosts).length,
					softBounces: 0,
					complaints: 0,
					stopped: by('reply') + by('unsubscribe') + mine(ghosts).length,
					finished: 0,
					active: 0,
				},
				step2: {
					prospectsStarted: step2Prospects.length,
					replies: by('replyToStep2'),
					bounces: 0,
					stopped: by('replyToStep2'),
					finished: step2Prospects.length - by('replyToStep2'),
					active: 0,
				},
			};
		};
		const rowOf = (step: number | null, v: string | null) => rows.find((r: ReportRow) => r.step === step && r.variant === v);
		for (const v of [0, 1]) {
			const letter = variantName(v) as string;
			const want = expected(v);
			if (want.step1.prospectsStarted > 0) expect(rowOf(1, letter)).toMatchObject(want.step1);
			else expect(rowOf(1, letter)).toBeUndefined();
			if (want.step2.prospectsStarted > 0) expect(rowOf(2, letter)).toMatchObject(want.step2);
			else expect(rowOf(2, letter)).toBeUndefined();
		}
		expect(rowOf(null, null)).toMatchObject({
			scope: 'total',
			prospectsStarted: 14,
			emailsSent: 14 + step2.length,
			replies: 4,
			replyRatePercent: 28.6,
			unsubscribes: 1,
			autoReplies: 1,
			bounces: 2,
			hardBounces: 2,
			stopped: 7,
			finished: 7,
			active: 0,
		});
		expect(rowOf(null, null)?.medianHoursToReply).toBeGreaterThan(0);
		// the same reader as a run: Sent read once headers-first, only candidates fetched in full
		expect(stats.inbound.sourcesFetched).toBeLessThanOrEqual(stats.inbound.examined);
	});
});
