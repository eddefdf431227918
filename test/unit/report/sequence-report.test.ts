/**
 * The report's counts from ledger facts: rows per step × variant and a totals row, counted by prospect,
 * events attributed to the step (and its variant) they answer, statuses at each prospect's last step.
 */
import { sequenceMessageId } from '../../../core/mail/message-id';
import { sequenceReport, type ReportRow } from '../../../core/report/sequence-report';
import { buildLedger, type InboundFact, type SentFact } from '../../../core/sequence/ledger';
import { sequenceRefsIn } from '../../../core/mail/message-id';

const KEY = 'report-unit';
const DOMAIN = 'example.com';
const T0 = Date.UTC(2026, 2, 2, 9);
const hours = (h: number) => new Date(T0 + h * 3_600_000);

/** One prospect's story: the variant of each step it got, and what it answered. */
interface Story {
	address: string;
	steps: number[];
	variant: number;
	events?: { kind: InboundFact['kind']; step: number; atHours: number; hard?: boolean }[];
}

function facts(stories: Story[]): { sent: SentFact[]; inbound: InboundFact[] } {
	const sent: SentFact[] = [];
	const inbound: InboundFact[] = [];
	for (const s of stories) {
		for (const step of s.steps) sent.push({ messageId: sequenceMessageId(KEY, s.address, step, DOMAIN, s.variant), date: hours((step - 1) * 48), to: [s.address] });
		for (const [i, e] of (s.events ?? []).entries()) {
			const id = sequenceMessageId(KEY, s.address, e.step, DOMAIN, s.variant);
			inbound.push({
				kind: e.kind,
				from: e.kind === 'bounce' ? 'mailer-daemon@example.com' : s.address,
				date: hours(e.atHours),
				messageId: `<in.${i}.${s.address}>`,
				refs: sequenceRefsIn(id),
				...(e.kind === 'bounce' ? { bounceRecipients: [s.address], bounceHard: e.hard === true } : {}),
			});
		}
	}
	return { sent, inbound };
}

function report(stories: Story[], totalSteps?: number): ReportRow[] {
	const { sent, inbound } = facts(stories);
	const addresses = stories.map((s) => s.address);
	const ledger = buildLedger(addresses.map((address) => ({ sequenceKey: KEY, address })), sent, inbound, { autoReplyPauseDays: 7 });
	return sequenceReport({ sequenceKey: KEY, ledger, addresses, inbound, ...(totalSteps ? { totalSteps } : {}), now: hours(200) });
}

const row = (rows: ReportRow[], step: number | null, variant: string | null) => rows.find((r) => r.step === step && r.variant === variant);

describe('sequence report', () => {
	const stories: Story[] = [
		{ address: 'a1@acme.com', steps: [1], variant: 0, events: [{ kind: 'reply', step: 1, atHours: 3 }] },
		{ address: 'a2@acme.com', steps: [1, 2], variant: 0, events: [{ kind: 'reply', step: 2, atHours: 48 + 5 }, { kind: 'reply', step: 2, atHours: 60 }] },
		{ address: 'a3@acme.com', steps: [1, 2], variant: 0 },
		{ address: 'a4@acme.com', steps: [1], variant: 0, events: [{ kind: 'bounce', step: 1, atHours: 0.1, hard: true }] },
		{ address: 'b1@globex.com', steps: [1], variant: 1, events: [{ kind: 'reply', step: 1, atHours: 9 }] },
		{ address: 'b2@globex.com', steps: [1], variant: 1, events: [{ kind: 'unsubscribe', step: 1, atHours: 1 }] },
		{ address: 'b3@globex.com', steps: [1, 2], variant: 1, events: [{ kind: 'autoReply', step: 1, atHours: 0.5 }, { kind: 'autoReply', step: 2, atHours: 48.5 }] },
		{ address: 'b4@globex.com', steps: [1], variant: 1, events: [{ kind: 'bounce', step: 1, atHours: 0.2, hard: false }, { kind: 'complaint', step: 1, atHours: 30 }] },
		{ address: 'b5@globex.com', steps: [1], variant: 1 },
	];

	it('counts each step × variant by prospect, with the events of the step they answer', () => {
		const rows = report(stories, 2);
		expect(rows.map((r) => [r.scope, r.step, r.variant])).toEqual([
			['step', 1, 'A'],
			['step', 1, 'B'],
			['step', 2, 'A'],
			['step', 2, 'B'],
			['total', null, null],
		]);
		expect(row(rows, 1, 'A')).toMatchObject({ prospectsStarted: 4, emailsSent: 4, replies: 1, replyRatePercent: 25, bounces: 1, hardBounces: 1, softBounces: 0, unsubscribes: 0, autoReplies: 0, medianHoursToReply: 3 });
		expect(row(rows, 1, 'B')).toMatchObject({ prospectsStarted: 5, replies: 1, replyRatePercent: 20, bounces: 1, hardBounces: 0, softBounces: 1, unsubscribes: 1, complaints: 1, autoReplies: 1, medianHoursToReply: 9 });
		// two replies of one prospect count once; the time is to the first
		expect(row(rows, 2, 'A')).toMatchObject({ prospectsStarted: 2, replies: 1, replyRatePercent: 50, medianHoursToReply: 5 });
		expect(row(rows, 2, 'B')).toMatchObject({ prospectsStarted: 1, replies: 0, replyRatePercent: 0, autoReplies: 1, medianHoursToReply: null });
	});

	it('places each prospect as stopped, finished or active at its last step, and totals add up', () => {
		const rows = report(stories, 3);
		// a1, a4 stopped at 1A; a2 stopped at 2A, a3 active at 2A (3 steps); b1, b2, b4 stopped, b5 active at 1B; b3 active at 2B
		expect(row(rows, 1, 'A')).toMatchObject({ stopped: 2, finished: 0, active: 0 });
		expect(row(rows, 1, 'B')).toMatchObject({ stopped: 3, finished: 0, active: 1 });
		expect(row(rows, 2, 'A')).toMatchObject({ stopped: 1, active: 1 });
		expect(row(rows, 2, 'B')).toMatchObject({ stopped: 0, active: 1 });
		expect(row(rows, null, null)).toMatchObject({
			prospectsStarted: 9,
			emailsSent: 12,
			replies: 3,
			replyRatePercent: 33.3,
			autoReplies: 1,
			bounces: 2,
			hardBounces: 1,
			softBounces: 1,
			unsubscribes: 1,
			complaints: 1,
			stopped: 6,
			finished: 0,
			active: 3,
			medianHoursToReply: 5,
		});
		const total = row(rows, null, null) as ReportRow;
		expect(total.stopped + total.finished + total.active).toBe(total.prospectsStarted);
	});

	it('counts prospects who got the last step and did not stop as finished (default: the highest step found)', () => {
		const rows = report(stories);
		expect(row(rows, 2, 'A')).toMatchObject({ stopped: 1, finished: 1, active: 0 });
		expect(row(rows, 2, 'B')).toMatchObject({ finished: 1 });
	});

	it('a sequence without variants has one row per step with variant null; an empty one only the totals', () => {
		const plain = report([{ address: 'x@y.com', steps: [1], variant: 0 }].map((s) => ({ ...s })));
		expect(plain.map((r) => r.variant)).toEqual(['A', null]);
		const noVariants = (() => {
			const sent: SentFact[] = [{ messageId: sequenceMessageId(KEY, 'x@y.com', 1, DOMAIN), date: hours(0), to: ['x@y.com'] }];
			const ledger = buildLedger([{ sequenceKey: KEY, address: 'x@y.com' }], sent, [], { autoReplyPauseDays: 7 });
			return sequenceReport({ sequenceKey: KEY, ledger, addresses: ['x@y.com'], inbound: [], now: hours(1) });
		})();
		expect(noVariants.map((r) => [r.step, r.variant, r.prospectsStarted, r.finished])).toEqual([
			[1, null, 1, 1],
			[null, null, 1, 1],
		]);
		const empty = sequenceReport({ sequenceKey: KEY, ledger: buildLedger([], [], [], { autoReplyPauseDays: 7 }), addresses: [], inbound: [], now: hours(1) });
		expect(empty).toEqual([expect.objectContaining({ scope: 'total', prospectsStarted: 0, replyRatePercent: 0, medianHoursToReply: null })]);
	});
});
