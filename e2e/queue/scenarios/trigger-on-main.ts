/**
 * Scenario 3: the IMAP Reply Trigger runs on main only. Main holds the IDLE connection and enqueues one
 * execution per reply; workers run those executions (and the sequence's) but never watch the mailbox.
 * Each reply is emitted once. Main is stopped while the workers keep running; replies that arrive
 * meanwhile are emitted once each when main is back.
 *
 * Who holds the IMAP connections is read from the kernel (`ss -tnp`: the process of each connection to
 * the IMAP port, mapped to the process group of main or of a worker). u186 sends and is watched;
 * u187–u189 are prospects who answer.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { sequenceMessageId } from '../../../core/mail/message-id';
import { addressOf, credentialFor, resetMailboxes, stack } from '../../../test/helpers/mailstack';
import { replyFrom, waitForMessage } from '../../../test/helpers/sequence';
import { TYPES } from '../../lib/package-tarball';
import type { QueueCluster } from '../../lib/queue-cluster';
import { emittedItems, loadWorkflow } from '../../lib/workflows';
import { SCHEDULE_NODE, clusterOf, cronAt, eventually, scheduledSequence, sequenceItems, type QueueContext } from '../helpers';

const SENDER = 'u186';
const PROSPECTS = ['u187', 'u188', 'u189'];
const TRIGGER = 'IMAP Reply Trigger';
const CREDENTIAL = 'Sender (queue trigger)';
/** The trigger watches INBOX and Junk by default (one IDLE connection per folder), all of them on main. */
const WATCHED_FOLDERS = 2;

/** Process group of a pid (field 5 of /proc/<pid>/stat), or undefined when it is gone. */
function processGroup(pid: number): number | undefined {
	try {
		const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
		// "pid (comm) state ppid pgrp ...": comm may hold spaces, so split after its closing parenthesis.
		return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
	} catch {
		return undefined;
	}
}

/** Established connections to the IMAPS port, by who holds them: main, each worker, anything else. */
function imapConnections(cluster: QueueCluster): { main: number; workers: number[]; other: number } {
	const out = execFileSync('ss', ['-tnpH', 'state', 'established', `( dport = :${stack.imapsPort} )`], { encoding: 'utf8' });
	const result = { main: 0, workers: cluster.workers.map(() => 0), other: 0 };
	for (const line of out.split('\n').filter(Boolean)) {
		const pid = Number(/pid=(\d+)/.exec(line)?.[1]);
		const group = pid ? processGroup(pid) : undefined;
		const worker = cluster.workers.findIndex((w) => w.pid !== undefined && w.pid === group);
		if (group !== undefined && group === cluster.main.pid) result.main++;
		else if (worker >= 0) result.workers[worker]++;
		else result.other++;
	}
	return result;
}

export function triggerOnMainScenario(ctx: QueueContext): void {
	const sequenceKey = `queue-trigger-${Date.now().toString(36)}`;
	const idOf = (user: string, step: number): string => sequenceMessageId(sequenceKey, addressOf(user), step, stack.domain);
	let triggerWorkflowId = '';
	let triggerWorkflowName = '';
	let sequenceWorkflowId = '';
	const replies: string[] = [];
	const figure = (k: string, v: string): void => {
		ctx.figures[`3 trigger on main: ${k}`] = v;
	};

	/** How many times the trigger emitted each Message-ID, and which worker ran each of its executions. */
	async function emitted(): Promise<{ counts: Map<string, number>; executions: Array<{ id: string; worker: number | undefined; status: string }> }> {
		const cluster = clusterOf(ctx);
		const executions = await cluster.main.executions(triggerWorkflowId, 100);
		const counts = new Map<string, number>();
		for (const item of emittedItems(executions, TRIGGER)) counts.set(String(item.messageId), (counts.get(String(item.messageId)) ?? 0) + 1);
		return { counts, executions: executions.map((e) => ({ id: e.id, worker: cluster.workerOf(e.id), status: e.status })) };
	}

	async function reply(user: string, text: string): Promise<string> {
		const info = await replyFrom(user, addressOf(SENDER), idOf(user, 1), { subject: 'Re: Quick question', text });
		await waitForMessage(SENDER, (m) => m.messageId === info.messageId, 'INBOX', 60_000);
		return info.messageId;
	}

	function waitEmitted(ids: string[]): ReturnType<typeof emitted> {
		return eventually(
			`trigger executions for ${ids.length} replies, finished`,
			emitted,
			(e) => ids.every((id) => (e.counts.get(id) ?? 0) >= 1) && e.executions.every((x) => x.status === 'success'),
			90_000,
		);
	}

	describe('3. the IMAP Reply Trigger on main, executions on workers', () => {
		beforeAll(async () => {
			const cluster = clusterOf(ctx);
			await resetMailboxes(SENDER, ...PROSPECTS);
			const credentialId = await cluster.main.createCredential(CREDENTIAL, TYPES.credential, credentialFor(SENDER, { smtp: 'tls', imap: 'tls' }));
			const trigger = loadWorkflow('reply-trigger', { SEQUENCE_KEY: sequenceKey, CREDENTIAL_ID: credentialId, CREDENTIAL_NAME: CREDENTIAL });
			triggerWorkflowName = trigger.name;
			triggerWorkflowId = await cluster.main.createWorkflow(trigger);
			sequenceWorkflowId = await cluster.main.createWorkflow(
				scheduledSequence({
					name: 'Outreach (queue trigger)',
					cron: cronAt(new Date(Date.now() - 3_600_000)), // never published: run by hand
					sequenceKey,
					credentialId,
					credentialName: CREDENTIAL,
					prospects: PROSPECTS.map((u) => ({ email: addressOf(u), firstName: u, company: `${u} Ltd` })),
					pacing: { minDelaySeconds: 0, maxDelaySeconds: 0, dailyLimit: 100, maxPerRun: 10 },
				}),
			);
			const logFrom = cluster.main.logSize();
			await cluster.main.activateWorkflow(triggerWorkflowId);
			await cluster.main.waitForTriggerActive(TRIGGER, triggerWorkflowName, logFrom);
		}, 120_000);

		afterAll(async () => {
			const cluster = clusterOf(ctx);
			// Leave the cluster whole for the next scenario.
			if (!cluster.main.running) await cluster.main.restart();
			if (triggerWorkflowId) await cluster.main.deactivateWorkflow(triggerWorkflowId).catch(() => undefined);
		}, 300_000);

		it('main watches the mailbox; the workers hold no IMAP connection', async () => {
			const cluster = clusterOf(ctx);
			const held = await eventually('main holds the IDLE connection', async () => imapConnections(cluster), (c) => c.main >= WATCHED_FOLDERS, 30_000);
			figure('IMAP connections after publishing (main / workers / other)', `${held.main} / ${held.workers.join(' + ')} / ${held.other}`);
			expect(held.main).toBe(WATCHED_FOLDERS);
			expect(held.workers).toEqual([0, 0]);
		});

		it('the sequence runs on a worker; each reply is emitted once, by executions on workers', async () => {
			const cluster = clusterOf(ctx);
			const run = await cluster.main.runManually(sequenceWorkflowId, SCHEDULE_NODE, 180_000);
			expect(run.status).toBe('success');
			expect(cluster.workerOf(run.id)).toBeDefined();
			expect(sequenceItems(run).map((i) => i.status)).toEqual(['sent', 'sent', 'sent']);

			replies.push(await reply(PROSPECTS[0], 'Yes, Tuesday works.'), await reply(PROSPECTS[1], 'Not now, thanks.'));
			const e = await waitEmitted(replies);
			figure('trigger executions after 2 live replies (id → worker)', e.executions.map((x) => `${x.id} → ${x.worker === undefined ? 'no worker' : `worker ${x.worker + 1}`}`).join(', '));
			expect(replies.map((id) => e.counts.get(id))).toEqual([1, 1]);
			expect(e.executions.filter((x) => x.worker === undefined)).toEqual([]);
			// Still only main watches, while the workers ran the sequence and the trigger's executions.
			const held = imapConnections(cluster);
			expect(held.main).toBe(WATCHED_FOLDERS);
			expect(held.workers).toEqual([0, 0]);
		}, 300_000);

		it('replies that arrive while main is down are emitted once each after it is back', async () => {
			const cluster = clusterOf(ctx);
			const t = Date.now();
			await cluster.main.stop();
			figure('main stopped', `${((Date.now() - t) / 1000).toFixed(1)} s; workers still running: ${cluster.workers.map((w) => w.running).join(', ')}`);
			expect(cluster.workers.every((w) => w.running)).toBe(true);
			const whileDown = [await reply(PROSPECTS[2], 'Sorry for the late answer: yes.'), await reply(PROSPECTS[0], 'One more question.')];
			// Nobody watches now: the workers did not take the trigger over.
			expect(imapConnections(cluster).workers).toEqual([0, 0]);

			const logFrom = cluster.main.logSize();
			await cluster.main.start();
			await cluster.main.login();
			figure('main restart: ready', `${cluster.main.readinessSeconds} s`);
			await cluster.main.waitForTriggerActive(TRIGGER, triggerWorkflowName, logFrom);
			const all = [...replies, ...whileDown];
			const e = await waitEmitted(all);
			figure('after the restart: times each of the 4 replies was emitted', JSON.stringify(all.map((id) => e.counts.get(id))));
			expect(all.map((id) => e.counts.get(id))).toEqual([1, 1, 1, 1]);
			expect([...e.counts.values()].reduce((a, b) => a + b, 0)).toBe(4);
			expect(e.executions.filter((x) => x.worker === undefined)).toEqual([]);
			const after = imapConnections(cluster);
			figure('IMAP connections after the restart (main / workers / other)', `${after.main} / ${after.workers.join(' + ')} / ${after.other}`);
			expect(after.main).toBe(WATCHED_FOLDERS);
			expect(after.workers).toEqual([0, 0]);
		}, 300_000);
	});
}
