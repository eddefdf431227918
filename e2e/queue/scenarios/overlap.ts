/**
 * Scenario 1: two workflows, each on its own schedule, send the same sequence from one mailbox to
 * overlapping prospect lists (100 prospects, 60 on both lists). Both schedules fire at the same second,
 * so main enqueues both executions at once and the two workers run them side by side.
 *
 *   round 1: step 1 is due for all 100 → each prospect receives step 1 exactly once
 *   round 2: step 2 is due for all 100, but the daily limit (150) leaves room for 50 → no prospect
 *            receives step 2 twice, and the mailbox sends at most 150 in the day although both runs
 *            started with 50 left (each claim is ranked among the day's claims in Sent: transport/daily-count.ts)
 *
 * Counted in the recipients' mailboxes (Message-IDs are deterministic per prospect and step), and
 * checked against what each execution reported. u171 sends; u172–u175 receive (25 prospects each,
 * `u17N+pNNN@` addresses that Postfix delivers to u17N).
 */
import { credentialFor, resetMailboxes } from '../../../test/helpers/mailstack';
import type { N8nExecution } from '../../lib/n8n-server';
import { TYPES } from '../../lib/package-tarball';
import {
	SCHEDULE_NODE,
	clusterOf,
	cronAt,
	eventually,
	fireTime,
	messagesFrom,
	plusAddress,
	receivedCounts,
	scheduledSequence,
	sequenceItems,
	type Prospect,
	type QueueContext,
} from '../helpers';

const SENDER = 'u171';
const RECIPIENTS = ['u172', 'u173', 'u174', 'u175'];
const DAILY_LIMIT = 150;
/** Time between publishing and the moment both schedules fire: activation must be done by then. */
const LEAD_MS = 25_000;
const CREDENTIAL = 'Sender (queue overlap)';

type List = 'A' | 'B';

export function overlapScenario(ctx: QueueContext): void {
	const sequenceKey = `queue-overlap-${Date.now().toString(36)}`;
	const everyone: Prospect[] = Array.from({ length: 100 }, (_, i) => ({
		email: plusAddress(RECIPIENTS[i % RECIPIENTS.length], `p${String(i + 1).padStart(3, '0')}`),
		firstName: `P${i + 1}`,
		company: `Company ${i + 1}`,
	}));
	const emails = everyone.map((p) => p.email);
	const lists: Record<List, Prospect[]> = { A: everyone.slice(0, 80), B: everyone.slice(20, 100) };
	const workflowIds: Record<List, string> = { A: '', B: '' };
	let credentialId = '';
	const figure = (k: string, v: string): void => {
		ctx.figures[`1 overlap: ${k}`] = v;
	};

	const workflowFor = (list: List, cron: string) =>
		scheduledSequence({
			name: `Outreach ${list} (queue overlap)`,
			cron,
			sequenceKey,
			credentialId,
			credentialName: CREDENTIAL,
			prospects: lists[list],
			pacing: { minDelaySeconds: 0, maxDelaySeconds: 1, dailyLimit: DAILY_LIMIT, maxPerRun: 100 },
			step2WaitMinutes: 1,
		});

	/**
	 * Publishes both workflows with a schedule at the same second, waits for both executions to finish,
	 * and checks that they really ran at the same time on different workers.
	 */
	async function fireBoth(round: number, notBefore = 0): Promise<Record<List, N8nExecution>> {
		const cluster = clusterOf(ctx);
		const server = cluster.main;
		const at = await fireTime(Math.max(LEAD_MS, notBefore - Date.now()), 10 * 60_000);
		const before = new Map<List, Set<string>>();
		for (const list of ['A', 'B'] as const) {
			const workflow = workflowFor(list, cronAt(at));
			if (workflowIds[list]) {
				await server.deactivateWorkflow(workflowIds[list]);
				await server.api('PUT', `/workflows/${workflowIds[list]}`, { name: workflow.name, nodes: workflow.nodes, connections: workflow.connections, settings: workflow.settings });
			} else {
				workflowIds[list] = await server.createWorkflow(workflow);
			}
			before.set(list, new Set((await server.executions(workflowIds[list], 100)).map((e) => e.id)));
			const logFrom = server.logSize();
			await server.activateWorkflow(workflowIds[list]);
			await server.waitForTriggerActive(SCHEDULE_NODE, workflow.name, logFrom);
		}
		if (Date.now() > at.getTime() - 1000) throw new Error(`round ${round}: publishing took longer than the ${LEAD_MS / 1000} s lead; the schedules' moment has passed`);

		const runs: Partial<Record<List, N8nExecution>> = {};
		for (const list of ['A', 'B'] as const) {
			const isNew = (e: N8nExecution): boolean => !before.get(list)?.has(e.id);
			const all = await server.waitForExecutions(
				workflowIds[list],
				(executions) => executions.some((e) => isNew(e) && !['new', 'running', 'waiting'].includes(e.status)),
				LEAD_MS + 10 * 60_000,
			);
			runs[list] = all.find(isNew);
		}
		const A = runs.A as N8nExecution;
		const B = runs.B as N8nExecution;
		for (const [list, e] of [['A', A], ['B', B]] as const) {
			expect({ list, mode: e.mode, status: e.status, error: e.data?.resultData.error?.message }).toEqual({ list, mode: 'trigger', status: 'success', error: undefined });
		}
		// What the scenario is about: both ran at the same moment, on different workers.
		const workers = [cluster.workerOf(A.id), cluster.workerOf(B.id)];
		const overlapMs =
			Math.min(Date.parse(A.stoppedAt ?? ''), Date.parse(B.stoppedAt ?? '')) - Math.max(Date.parse(A.startedAt), Date.parse(B.startedAt));
		figure(
			`round ${round} executions`,
			`A ${A.id} on worker ${(workers[0] ?? -1) + 1} (${A.startedAt} → ${A.stoppedAt}), B ${B.id} on worker ${(workers[1] ?? -1) + 1} (${B.startedAt} → ${B.stoppedAt}); overlap ${(overlapMs / 1000).toFixed(1)} s`,
		);
		expect(workers[0]).toBeDefined();
		expect(workers[1]).toBeDefined();
		expect(workers[0]).not.toBe(workers[1]);
		expect(overlapMs).toBeGreaterThan(0);
		return { A, B };
	}

	/** Items of both executions: how often each prospect was reported `sent`, and counts by status. */
	function outcomes(runs: Record<List, N8nExecution>): { sent: Map<string, number>; byStatus: Record<string, number> } {
		const sent = new Map<string, number>();
		const byStatus: Record<string, number> = {};
		for (const item of [...sequenceItems(runs.A), ...sequenceItems(runs.B)]) {
			const status = String(item.status);
			byStatus[status] = (byStatus[status] ?? 0) + 1;
			if (status === 'sent') sent.set(String(item.email), (sent.get(String(item.email)) ?? 0) + 1);
		}
		return { sent, byStatus };
	}

	describe('1. two workflows, one mailbox, overlapping prospects, two workers at once', () => {
		let round1End = 0;

		beforeAll(async () => {
			await resetMailboxes(SENDER, ...RECIPIENTS);
			credentialId = await clusterOf(ctx).main.createCredential(CREDENTIAL, TYPES.credential, credentialFor(SENDER, { smtp: 'tls', imap: 'tls' }));
		});

		afterAll(async () => {
			for (const id of Object.values(workflowIds)) if (id) await clusterOf(ctx).main.deactivateWorkflow(id).catch(() => undefined);
		});

		it('round 1: every prospect receives step 1 exactly once', async () => {
			const t = Date.now();
			const runs = await fireBoth(1);
			round1End = Math.max(Date.parse(runs.A.stoppedAt ?? ''), Date.parse(runs.B.stoppedAt ?? ''));
			const { sent, byStatus } = outcomes(runs);
			figure('round 1 items by status (A + B)', JSON.stringify(byStatus));
			figure('round 1 (publish → both done)', `${((Date.now() - t) / 1000).toFixed(0)} s`);

			// Delivery through Postfix takes a moment after SMTP accepted the last message.
			const received = await eventually('step 1 delivered to all 100', () => receivedCounts(sequenceKey, emails, 1), (c) => [...c.values()].every((n) => n >= 1), 60_000);
			figure('round 1 step 1 received {copies: prospects}', JSON.stringify(histogram(received)));
			expect([...received].filter(([, n]) => n !== 1)).toEqual([]);
			// The executions agree: each prospect reported `sent` by exactly one of the two.
			expect(emails.filter((e) => sent.get(e) !== 1)).toEqual([]);
		}, 900_000);

		it('round 2: step 2 at most once each, at most the daily limit (150) in the day across both, and every prospect without it was told the daily limit', async () => {
			// Step 2 waits one minute after step 1: fire once that minute has passed for everyone.
			const runs = await fireBoth(2, round1End + 65_000);
			const { sent, byStatus } = outcomes(runs);
			figure('round 2 items by status (A + B)', JSON.stringify(byStatus));

			// Let Postfix deliver whatever was accepted, then count.
			await new Promise((resolve) => setTimeout(resolve, 5000));
			const step2 = await receivedCounts(sequenceKey, emails, 2);
			const step1 = await receivedCounts(sequenceKey, emails, 1);
			const total = await messagesFrom(SENDER, RECIPIENTS);
			const step2Total = [...step2.values()].reduce((a, b) => a + b, 0);
			figure('round 2 step 2 received {copies: prospects}', JSON.stringify(histogram(step2)));
			figure('messages the mailbox sent today', `${total} (daily limit ${DAILY_LIMIT})`);

			expect([...step2].filter(([, n]) => n > 1)).toEqual([]);
			expect([...step1].filter(([, n]) => n !== 1)).toEqual([]);
			// The daily limit holds across both workflows, counted in the recipients' mailboxes: both runs
			// started with 50 left, and together they sent at most those 50 (a released claim can cost one
			// send too few, never one too many).
			expect(total).toBeLessThanOrEqual(DAILY_LIMIT);
			expect(total).toBe(100 + step2Total);
			expect(step2Total).toBeGreaterThan(0);
			// Every prospect that did not get step 2 was told why: the day's limit.
			const limited = new Set(
				[...sequenceItems(runs.A), ...sequenceItems(runs.B)].filter((i) => i.status === 'dailyLimitReached').map((i) => String(i.email)),
			);
			expect(emails.filter((e) => step2.get(e) === 0 && !limited.has(e))).toEqual([]);
			// What the executions reported matches what arrived.
			expect(emails.filter((e) => (sent.get(e) ?? 0) !== (step2.get(e) ?? 0))).toEqual([]);
		}, 900_000);
	});
}

/** {copies: number of prospects} — e.g. {"1":100} when everyone got exactly one. */
function histogram(counts: Map<string, number>): Record<string, number> {
	const h: Record<string, number> = {};
	for (const n of counts.values()) h[n] = (h[n] ?? 0) + 1;
	return h;
}
