/**
 * n8n in queue mode with this package: one main instance (editor, API, triggers, schedules), two
 * workers (`n8n worker --concurrency=5`) that run the executions, Redis as the queue and PostgreSQL as
 * the database — the real parts, from Debian — and the real Postfix + Dovecot. One cluster for the four
 * scenarios (each leaves it whole: a killed worker is started again, main is back after its restart).
 *
 *   1. scenarios/overlap.ts            two workflows, one mailbox, overlapping prospects, two workers at once
 *   2. scenarios/worker-kill.ts        a worker SIGKILLed mid-run, the execution retried
 *   3. scenarios/trigger-on-main.ts    the IMAP Reply Trigger on main only, across a main restart
 *   4. scenarios/reply-during-wait.ts  a reply during a worker's pacing wait stops that send
 *
 * Results and how to start the same topology by hand: docs/e2e.md ("Queue mode").
 */
import { QUEUE_ENV, startCluster, type QueueContext } from './helpers';
import { overlapScenario } from './scenarios/overlap';
import { replyDuringWaitScenario } from './scenarios/reply-during-wait';
import { triggerOnMainScenario } from './scenarios/trigger-on-main';
import { workerKillScenario } from './scenarios/worker-kill';

const ctx: QueueContext = { cluster: undefined, figures: {} };

beforeAll(async () => {
	const { cluster, startup } = await startCluster('queue', QUEUE_ENV);
	ctx.cluster = cluster;
	ctx.figures['cluster start: main ready / workers ready / all incl. owner (s)'] = `${startup.main.toFixed(1)} / ${startup.workers.toFixed(1)} / ${startup.all.toFixed(1)}`;
}, 600_000);

afterAll(async () => {
	await ctx.cluster?.stop();
	console.log(`queue-mode figures:\n${Object.entries(ctx.figures).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`);
});

overlapScenario(ctx);
workerKillScenario(ctx);
triggerOnMainScenario(ctx);
replyDuringWaitScenario(ctx);
