/**
 * No size limit (issue #10): a sequence with more than 20,000 copies in Sent, and an inbox with more than
 * 20,000 messages since the first send, both run correctly — on `main` before the fix both failed every
 * run with "Command failed" (Dovecot: "Too long argument", UID lists past its 64 KB line). The mailboxes
 * are written as maildir files (`maildir-seed.ts`): seconds, where SMTP would take an hour. Not timed;
 * `npm run bench:scale` measures.
 */
import { ledgerIndexes } from '../../transport/index-cache';
import { addressOf } from '../helpers/mailstack';
import { seedMailbox, type SeedMessage } from '../helpers/maildir-seed';
import { answer, everydayInbound, sequenceCopy } from '../helpers/scale-mail';
import { runAt, sequenceRequest, type TestStep } from '../helpers/sequence';

const DAY = 24 * 60 * 60 * 1000;
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const SUBJECT = 'Quick question';
const steps: TestStep[] = [
	{ subject: SUBJECT, text: 'Hi {{ name }}, one question.' },
	{ subject: '', text: 'Bumping this, {{ name }}.', wait: { amount: 2, unit: 'days' } },
	{ subject: '', text: 'Last one, {{ name }}.', wait: { amount: 2, unit: 'days' } },
];

/** The seeded mailboxes are large: writing and indexing them, and a first (cold) read, take a while on a loaded machine. */
const LARGE = 10 * 60_000;

describe('mailboxes of any age (real Dovecot, maildir-seeded)', () => {
	beforeEach(() => ledgerIndexes.clear());

	it(
		'regression: a sequence with 14,000 copies or more in Sent failed every run with a bare "Command failed" (here more than 20,000)',
		async () => {
			const key = `age-sent-${unique()}`;
			const sender = addressOf('s01');
			const start = Date.now() - 40 * DAY;
			const copies = function* (): Generator<SeedMessage> {
				for (let i = 0; i < 6_700; i++) {
					const prospect = i < 3 ? addressOf(`s0${i + 2}`) : `lead${i}@client${i % 300}.test`;
					// s02–s04 have all three steps; s05 and s06 (at 6,698, 6,699) only two
					const last = i >= 6_698 ? 2 : 3;
					for (let step = 1; step <= last; step++) yield sequenceCopy({ sequenceKey: key, sender, prospect, step, sentAt: new Date(start + i * 100 + (step - 1) * 3 * DAY), subject: SUBJECT });
				}
			};
			const counts = await seedMailbox('s01', { Sent: copies(), INBOX: [] });
			expect(counts.Sent).toBeGreaterThan(20_000);

			const prospects = ['s02', 's03', 's04', 'lead6698@client98.test', 'lead6699@client99.test', 's07'].map((p) => (p.includes('@') ? p : addressOf(p)));
			const request = sequenceRequest({ sender: 's01', sequenceKey: key, steps, prospects: prospects.map((email) => ({ email, name: 'Pat' })), operation: 'preview' });
			const preview = await runAt(request, new Date());
			expect(preview.map((r) => [r.status, r.step])).toEqual([
				['completed', 3],
				['completed', 3],
				['completed', 3],
				['due', 3],
				['due', 3],
				['due', 1],
			]);
			expect(preview[0].history?.map((h) => h.step)).toEqual([1, 2, 3]);
		},
		LARGE,
	);

	it(
		'regression: an inbox with more than 20,000 messages since the first send failed every run with a bare "Command failed"',
		async () => {
			const key = `age-inbox-${unique()}`;
			const sender = addressOf('s08');
			const replier = addressOf('s09');
			const breaker = addressOf('s10');
			const ghost = `ghost-${unique()}@example.test`;
			const waiting = addressOf('s11');
			const firstSend = Date.now() - 20 * DAY;
			const sent = [replier, breaker, ghost, waiting].map((prospect, i) => sequenceCopy({ sequenceKey: key, sender, prospect, step: 1, sentAt: new Date(firstSend + i * 60_000), subject: SUBJECT }));
			const inbox = function* (): Generator<SeedMessage> {
				const span = 19 * DAY;
				for (let i = 0; i < 20_500; i++) {
					const at = new Date(firstSend + DAY + Math.floor((i * span) / 20_500));
					if (i === 5_000) yield answer('reply', { sequenceKey: key, sender, prospect: replier, step: 1, subject: SUBJECT, receivedAt: at });
					if (i === 10_000) yield answer('threadBreakingReply', { sequenceKey: key, sender, prospect: breaker, step: 1, subject: SUBJECT, receivedAt: at });
					if (i === 15_000) yield answer('bounce', { sequenceKey: key, sender, prospect: ghost, step: 1, subject: SUBJECT, receivedAt: at });
					yield everydayInbound(i, sender, at, 1_000_000);
				}
			};
			const counts = await seedMailbox('s08', { Sent: sent, INBOX: inbox() });
			expect(counts.INBOX).toBeGreaterThan(20_000);

			const request = sequenceRequest({ sender: 's08', sequenceKey: key, steps, prospects: [replier, breaker, ghost, waiting].map((email) => ({ email, name: 'Pat' })) });
			const results = await runAt(request, new Date());
			expect(results.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([
				['stopped', 'replied'],
				['stopped', 'replied'],
				['stopped', 'bounced'],
				['sent', 2],
			]);
		},
		LARGE,
	);
});
