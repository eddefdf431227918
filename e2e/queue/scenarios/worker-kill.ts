/**
 * Scenario 2: a worker is killed with SIGKILL in the middle of a scheduled sequence run, at the worst
 * moment — the 5th message has reached Postfix, which queued it, but its `250` never reached the
 * worker (an SMTP proxy in front of the real Postfix holds the answer; see `../../lib/smtp-hold-proxy.ts`).
 *
 * What n8n 2.41 does then: its Bull queue has maxStalledCount 0, so no other worker takes the job over;
 * once the job's lock has expired, main fails the execution ("This execution failed to be processed too
 * many times …") and replaces its data with that error and no run data. Its *Retry* button therefore
 * re-raises the error without running a node (recorded below, not ours to fix). What runs the same
 * workflow again is its schedule: the next tick goes to the surviving worker.
 *
 * Every prospect receives step 1 exactly once (counted in their mailbox); the step whose SMTP answer
 * was lost is not sent again, and that next run reports it `unconfirmed` (its claim in Sent has no
 * `$SeqSent`: nobody recorded the server's answer), the steps confirmed before the kill and the ones it
 * sent itself without the flag. u190 sends; u191+kNN@ (12 prospects) receive.
 */
import { sequenceMessageId } from '../../../core/mail/message-id';
import { credentialFor, resetMailboxes, stack } from '../../../test/helpers/mailstack';
import type { N8nExecution } from '../../lib/n8n-server';
import { TYPES } from '../../lib/package-tarball';
import { SmtpHoldProxy } from '../../lib/smtp-hold-proxy';
import { SCHEDULE_NODE, SEQUENCE_NODE, clusterOf, eventually, fireTime, plusAddress, receivedCounts, scheduledSequence, sequenceItems, type QueueContext } from '../helpers';

const SENDER = 'u190';
const RECIPIENT = 'u191';
/** Messages that go through before the one whose answer is held. */
const SENT_BEFORE_KILL = 4;

export function workerKillScenario(ctx: QueueContext): void {
	const sequenceKey = `queue-kill-${Date.now().toString(36)}`;
	const prospects = Array.from({ length: 12 }, (_, i) => ({
		email: plusAddress(RECIPIENT, `k${String(i + 1).padStart(2, '0')}`),
		firstName: `K${i + 1}`,
		company: `Kco ${i + 1}`,
	}));
	const emails = prospects.map((p) => p.email);
	const held = emails[SENT_BEFORE_KILL];
	let proxy: SmtpHoldProxy | undefined;
	let workflowId = '';
	let killedId = '';
	let victim = -1;
	const figure = (k: string, v: string): void => {
		ctx.figures[`2 worker kill: ${k}`] = v;
	};

	describe('2. a worker killed with SIGKILL mid-run, the workflow run again', () => {
		beforeAll(async () => {
			const cluster = clusterOf(ctx);
			await resetMailboxes(SENDER, RECIPIENT);
			proxy = await SmtpHoldProxy.start(stack.smtpsPort);
			const credentialId = await cluster.main.createCredential('Sender (queue kill)', TYPES.credential, {
				...credentialFor(SENDER, { smtp: 'tls', imap: 'tls' }),
				smtpPort: proxy.port,
			});
			const at = await fireTime(25_000, 10 * 60_000);
			const workflow = scheduledSequence({
				name: 'Outreach (queue worker kill)',
				// Every minute, at the second of `at`: what a user's "every few minutes" schedule does, faster.
				cron: `${at.getUTCSeconds()} * * * * *`,
				sequenceKey,
				credentialId,
				credentialName: 'Sender (queue kill)',
				prospects,
				pacing: { minDelaySeconds: 1, maxDelaySeconds: 2, dailyLimit: 100, maxPerRun: 20 },
			});
			workflowId = await cluster.main.createWorkflow(workflow);
			const logFrom = cluster.main.logSize();
			await cluster.main.activateWorkflow(workflowId);
			await cluster.main.waitForTriggerActive(SCHEDULE_NODE, workflow.name, logFrom);
		});

		afterAll(async () => {
			const cluster = clusterOf(ctx);
			if (workflowId) await cluster.main.deactivateWorkflow(workflowId).catch(() => undefined);
			await proxy?.close();
			// Leave the cluster whole for the next scenario.
			if (victim >= 0 && !cluster.workers[victim].running) await cluster.workers[victim].start();
		}, 300_000);

		it('SIGKILL while the 5th message’s SMTP answer is outstanding', async () => {
			const cluster = clusterOf(ctx);
			if (!proxy) throw new Error('no proxy');
			const hold = await proxy.holdAfterBodies(SENT_BEFORE_KILL);
			const running = await cluster.waitForStartedExecution(workflowId);
			killedId = running.executionId;
			victim = running.worker;
			// Postfix queues what it received: the held message reaches the prospect although the worker never hears 250.
			await eventually('the held message in the mailbox', () => receivedCounts(sequenceKey, [held], 1), (c) => c.get(held) === 1, 60_000);
			const t = Date.now();
			await cluster.workers[victim].kill('SIGKILL');
			figure('killed', `worker ${victim + 1} (SIGKILL to its process group) during execution ${killedId}, ${((t - hold.at.getTime()) / 1000).toFixed(1)} s after the held message went through`);
			const before = await receivedCounts(sequenceKey, emails, 1);
			figure('prospects with step 1 at the kill', `${[...before.values()].filter((n) => n > 0).length} of ${emails.length}`);
			expect([...before.values()].filter((n) => n > 0)).toHaveLength(SENT_BEFORE_KILL + 1);
		}, 300_000);

		it('the next scheduled run (surviving worker) sends each remaining prospect once and never the held one again', async () => {
			const cluster = clusterOf(ctx);
			const next = await cluster.waitForStartedExecution(workflowId, new Set([killedId]), 150_000);
			const rerun = await cluster.main.waitForExecution(next.executionId, 180_000);
			figure('run again', `execution ${rerun.id} (${rerun.mode}, ${rerun.status}) on worker ${next.worker + 1}, started ${rerun.startedAt}`);
			expect(rerun.status).toBe('success');
			expect(next.worker).toBe(1 - victim);

			await new Promise((resolve) => setTimeout(resolve, 3000));
			const after = await receivedCounts(sequenceKey, emails, 1);
			figure('copies of step 1 per prospect after the run', JSON.stringify(emails.map((e) => after.get(e))));
			expect(emails.filter((e) => after.get(e) !== 1)).toEqual([]);

			const items = Object.fromEntries(sequenceItems(rerun).map((i) => [String(i.email), i]));
			const unconfirmed = (e: string): boolean[] => ((items[e]?.history as Array<{ unconfirmed?: boolean }> | undefined) ?? []).map((h) => h.unconfirmed ?? false);
			figure('run again: status [unconfirmed per step] by prospect', emails.map((e) => `${e.split('@')[0].split('+')[1]} ${String(items[e]?.status)} ${JSON.stringify(unconfirmed(e))}`).join(', '));
			// Sent before the kill: not sent again.
			for (const e of emails.slice(0, SENT_BEFORE_KILL)) expect({ e, status: items[e]?.status }).not.toEqual({ e, status: 'sent' });
			// The rest: sent by this run.
			for (const e of emails.slice(SENT_BEFORE_KILL + 1)) expect({ e, status: items[e]?.status }).toEqual({ e, status: 'sent' });
			// The held one: counted as sent (its claim is in Sent), so never sent twice — and reported
			// `unconfirmed`, the only one: its SMTP answer died with the worker.
			expect(items[held]?.status).not.toBe('sent');
			expect(items[held]?.history).toEqual([{ step: 1, messageId: sequenceMessageId(sequenceKey, held, 1, stack.domain), sentAt: expect.any(String), unconfirmed: true }]);
			expect(emails.filter((e) => e !== held && unconfirmed(e).some(Boolean))).toEqual([]);
		}, 400_000);

		it('n8n marks the killed execution failed; its Retry runs no node (n8n 2.41 dropped its run data) and sends nothing', async () => {
			const cluster = clusterOf(ctx);
			const killed: N8nExecution = await cluster.main.waitForExecution(killedId, 180_000);
			figure('n8n marked the killed execution', `${killed.status}: ${(killed.data?.resultData.error?.message ?? '').slice(0, 120)}`);
			expect(['error', 'crashed']).toContain(killed.status);
			const retried = await cluster.main.rest<{ id: string }>('POST', `/rest/executions/${killedId}/retry`, { loadWorkflow: false });
			const retry = await cluster.main.waitForExecution(retried.id, 180_000);
			const ranSequence = (retry.data?.resultData.runData[SEQUENCE_NODE] ?? []).length > 0;
			figure('n8n Retry of the killed execution', `execution ${retry.id}: ${retry.status}; SMTP Sequence ran: ${ranSequence}${retry.data?.resultData.error ? ` (${retry.data.resultData.error.message.slice(0, 80)})` : ''}`);
			await new Promise((resolve) => setTimeout(resolve, 3000));
			const after = await receivedCounts(sequenceKey, emails, 1);
			expect(emails.filter((e) => after.get(e) !== 1)).toEqual([]);
		}, 400_000);
	});
}
