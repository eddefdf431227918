/**
 * Scenario 4: a reply that reaches the inbox while a worker sits in the pacing wait stops that
 * prospect's send. The sequence run goes to a worker; it sends step 2 to the first prospect, then waits
 * 30 s before the second; the second prospect answers step 1 during that wait. Right after the wait the
 * node re-reads the inbox, so the second prospect gets nothing more.
 *
 * u183 sends; u184 (first) and u185 (answers during the wait) are the prospects.
 */
import { sequenceMessageId } from '../../../core/mail/message-id';
import { addressOf, credentialFor, resetMailboxes, stack } from '../../../test/helpers/mailstack';
import { readMailbox, replyFrom, waitForMessage } from '../../../test/helpers/sequence';
import { TYPES } from '../../lib/package-tarball';
import { SCHEDULE_NODE, clusterOf, cronAt, scheduledSequence, sequenceItems, type QueueContext } from '../helpers';

const SENDER = 'u183';
const FIRST = 'u184';
const REPLIER = 'u185';
/** Long enough that the reply certainly lands inside it, even on a loaded machine. */
const PACING_SECONDS = 30;
const CREDENTIAL = 'Sender (queue wait)';

export function replyDuringWaitScenario(ctx: QueueContext): void {
	const sequenceKey = `queue-wait-${Date.now().toString(36)}`;
	const idOf = (user: string, step: number): string => sequenceMessageId(sequenceKey, addressOf(user), step, stack.domain);
	let workflowId = '';
	const figure = (k: string, v: string): void => {
		ctx.figures[`4 reply during wait: ${k}`] = v;
	};

	describe('4. a reply during a worker’s pacing wait', () => {
		beforeAll(async () => {
			const cluster = clusterOf(ctx);
			await resetMailboxes(SENDER, FIRST, REPLIER);
			const credentialId = await cluster.main.createCredential(CREDENTIAL, TYPES.credential, credentialFor(SENDER, { smtp: 'tls', imap: 'tls' }));
			workflowId = await cluster.main.createWorkflow(
				scheduledSequence({
					name: 'Outreach (queue reply during wait)',
					cron: cronAt(new Date(Date.now() - 3_600_000)), // never published: run by hand
					sequenceKey,
					credentialId,
					credentialName: CREDENTIAL,
					prospects: [FIRST, REPLIER].map((u) => ({ email: addressOf(u), firstName: u, company: `${u} Ltd` })),
					// run by hand (so the test knows when), but paced like a scheduled run: the wait is the point
					pacing: { minDelaySeconds: PACING_SECONDS, maxDelaySeconds: PACING_SECONDS, dailyLimit: 100, maxPerRun: 10, paceManualRuns: true },
					step2WaitMinutes: 0,
				}),
			);
		});

		it('step 1 goes to both prospects (run on a worker)', async () => {
			const cluster = clusterOf(ctx);
			const execution = await cluster.main.runManually(workflowId, SCHEDULE_NODE, 180_000);
			expect(execution.status).toBe('success');
			expect(cluster.workerOf(execution.id)).toBeDefined();
			expect(sequenceItems(execution).map((i) => [i.email, i.status, i.step])).toEqual([
				[addressOf(FIRST), 'sent', 1],
				[addressOf(REPLIER), 'sent', 1],
			]);
		}, 240_000);

		it('the prospect who answers during the wait before their step 2 gets nothing more', async () => {
			const cluster = clusterOf(ctx);
			const executionId = await cluster.main.startManually(workflowId, SCHEDULE_NODE);
			const worker = await cluster.waitForWorkerOf(executionId);
			// Step 2 reached the first prospect: the worker is now in the 30 s pacing wait before the replier.
			const firstStep2 = await waitForMessage(FIRST, (m) => m.messageId === idOf(FIRST, 2), 'INBOX', 120_000);
			const reply = await replyFrom(REPLIER, addressOf(SENDER), idOf(REPLIER, 1), { subject: 'Re: Quick question', text: 'Please stop, we are not interested.' });
			await waitForMessage(SENDER, (m) => m.messageId === reply.messageId, 'INBOX', 60_000);
			const landed = Date.now();
			// The reply is in the inbox and the run is still in its wait: what the scenario is about.
			const during = await cluster.main.execution(executionId);
			figure('when the reply was in the inbox, the run was', `${during.status} on worker ${worker + 1} (step 2 to ${FIRST} had arrived, UID ${firstStep2.uid})`);
			expect(during.status).toBe('running');

			const done = await cluster.main.waitForExecution(executionId, 180_000);
			figure('run ended after the reply landed', `${((Date.parse(done.stoppedAt ?? '') - landed) / 1000).toFixed(1)} s`);
			expect(done.status).toBe('success');
			const items = Object.fromEntries(sequenceItems(done).map((i) => [String(i.email), i]));
			expect(items[addressOf(FIRST)]).toMatchObject({ status: 'sent', step: 2 });
			expect(items[addressOf(REPLIER)]).toMatchObject({ status: 'stopped', stopReason: 'replied' });
			// In the replier's mailbox: step 1 only.
			await new Promise((resolve) => setTimeout(resolve, 3000));
			expect((await readMailbox(REPLIER)).map((m) => m.messageId)).toEqual([idOf(REPLIER, 1)]);
		}, 300_000);
	});
}
