/**
 * What the queue-mode scenarios share: the state the global setup leaves (the packed package), a
 * cluster per file, the scheduled sequence workflow they publish, and counting what each prospect
 * actually received, read from the recipients' mailboxes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sequenceMessageId } from '../../core/mail/message-id';
import { repoRootDir } from '../../scripts/lib/n8n-runtime';
import { addressOf, stack } from '../../test/helpers/mailstack';
import { readMailbox } from '../../test/helpers/sequence';
import type { N8nExecution, WorkflowJson } from '../lib/n8n-server';
import { QueueCluster } from '../lib/queue-cluster';
import { loadWorkflow } from '../lib/workflows';

export interface QueueState {
	tgz: string;
	nodesTemplate: string;
	timings: Record<string, number>;
}

export function queueStateFile(): string {
	return process.env.N8N_E2E_QUEUE_STATE ?? path.join(repoRootDir(), '.runtime', 'e2e-queue', 'state.json');
}

export function readQueueState(): QueueState {
	const file = queueStateFile();
	if (!fs.existsSync(file)) throw new Error(`no queue e2e state at ${file}: run through \`npm run test:e2e:queue\``);
	return JSON.parse(fs.readFileSync(file, 'utf8')) as QueueState;
}

/** What the scenarios share: the cluster (started by queue-mode.test.ts) and the figures printed at the end. */
export interface QueueContext {
	cluster: QueueCluster | undefined;
	figures: Record<string, string>;
}

/** The cluster, once started (a scenario's hooks and tests run after queue-mode.test.ts' beforeAll). */
export function clusterOf(ctx: QueueContext): QueueCluster {
	if (!ctx.cluster) throw new Error('the queue-mode cluster is not running (see the beforeAll of queue-mode.test.ts)');
	return ctx.cluster;
}

/**
 * Environment of every process of the test cluster. n8n fails a job whose worker died once its lock
 * has expired and a stalled-job check has run (defaults 60 s + 30 s); shorter here so scenario 2 does
 * not wait minutes. The lock is renewed every 5 s, well inside its 20 s.
 */
export const QUEUE_ENV: Record<string, string> = {
	QUEUE_WORKER_LOCK_DURATION: '20000',
	QUEUE_WORKER_LOCK_RENEW_TIME: '5000',
	QUEUE_WORKER_STALLED_INTERVAL: '10000',
};

/** Starts main + 2 workers (concurrency 5); `env` adds to every process. */
export async function startCluster(name: string, env: Record<string, string> = {}): Promise<{ cluster: QueueCluster; startup: Record<string, number> }> {
	const cluster = await QueueCluster.create({
		name,
		nodesTemplate: readQueueState().nodesTemplate,
		env,
		log: (line) => process.stderr.write(`[${name}] ${line}\n`),
	});
	try {
		return { cluster, startup: await cluster.start() };
	} catch (err) {
		await cluster.stop();
		throw err;
	}
}

export const SEQUENCE_NODE = 'SMTP Sequence';
export const SCHEDULE_NODE = 'Schedule';

export interface Prospect {
	email: string;
	firstName: string;
	company: string;
}

export interface ScheduledSequence {
	name: string;
	/** Six-field cron (seconds first), evaluated in UTC. */
	cron: string;
	sequenceKey: string;
	credentialId: string;
	credentialName: string;
	prospects: Prospect[];
	/**
	 * Pacing & Limits. `paceManualRuns`: a run started by hand (`runManually`) skips the pauses unless it
	 * is on; scheduled runs always pause.
	 */
	pacing: { minDelaySeconds: number; maxDelaySeconds: number; dailyLimit: number; maxPerRun: number; paceManualRuns?: boolean };
	/** Minutes step 2 waits after step 1; omit for a one-step sequence. */
	step2WaitMinutes?: number;
}

/** Schedule (cron) → Code (prospects) → SMTP Sequence, from e2e/workflows/scheduled-sequence.json. */
export function scheduledSequence(options: ScheduledSequence): WorkflowJson {
	const workflow = loadWorkflow('scheduled-sequence', {
		WORKFLOW_NAME: options.name,
		CRON: options.cron,
		PROSPECTS: JSON.stringify(options.prospects),
		SEQUENCE_KEY: options.sequenceKey,
		CREDENTIAL_ID: options.credentialId,
		CREDENTIAL_NAME: options.credentialName,
	});
	const node = workflow.nodes.find((n) => n.name === SEQUENCE_NODE);
	if (!node) throw new Error(`scheduled-sequence.json has no "${SEQUENCE_NODE}" node`);
	const parameters = node.parameters as { pacing: Record<string, number | boolean>; steps: { step: Array<Record<string, unknown>> } };
	parameters.pacing = { ...options.pacing, maxRunMinutes: 30 };
	if (options.step2WaitMinutes === undefined) parameters.steps.step = parameters.steps.step.slice(0, 1);
	else parameters.steps.step[1].waitAmount = options.step2WaitMinutes;
	return workflow;
}

/** A cron expression that fires once, at `at` (UTC, whole seconds), every day. */
export function cronAt(at: Date): string {
	return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

/**
 * A moment `leadMs` from now, rounded up to a whole second; if the day (UTC) would change before the
 * scenario ends (`spanMs`), waits until just after midnight first, so a daily limit counts one day.
 */
export async function fireTime(leadMs: number, spanMs: number): Promise<Date> {
	const now = Date.now();
	const midnight = new Date(now);
	midnight.setUTCHours(24, 0, 5, 0);
	if (now + leadMs + spanMs > midnight.getTime()) await new Promise((resolve) => setTimeout(resolve, midnight.getTime() - now));
	return new Date(Math.ceil((Date.now() + leadMs) / 1000) * 1000);
}

/** The items the SMTP Sequence node output in an execution. */
export function sequenceItems(execution: N8nExecution): Array<Record<string, unknown>> {
	const runs = execution.data?.resultData.runData[SEQUENCE_NODE];
	return (runs ?? []).flatMap((run) => run.data?.main?.[0] ?? []).map((item) => item.json);
}

/** Prospect addresses `user+tag@domain`: many prospects per mailbox (Postfix delivers +tags to the user). */
export function plusAddress(user: string, tag: string): string {
	return `${user}+${tag}@${stack.domain}`;
}

/**
 * How many copies of each prospect's step `step` Message-ID are in the prospects' mailboxes: what they
 * actually received, read from their INBOXes (one read per mailbox user).
 */
export async function receivedCounts(sequenceKey: string, prospects: string[], step: number): Promise<Map<string, number>> {
	const byUser = new Map<string, string[]>();
	for (const email of prospects) {
		const user = email.split('@')[0].split('+')[0];
		byUser.set(user, [...(byUser.get(user) ?? []), email]);
	}
	const counts = new Map<string, number>(prospects.map((p) => [p, 0]));
	for (const [user, emails] of byUser) {
		const ids = new Map(emails.map((e) => [sequenceMessageId(sequenceKey, e, step, stack.domain), e]));
		for (const message of await readMailbox(user)) {
			const email = ids.get(message.messageId);
			if (email !== undefined) counts.set(email, (counts.get(email) ?? 0) + 1);
		}
	}
	return counts;
}

/** Every message in the users' INBOXes that the sender sent (From = sender), whatever its Message-ID. */
export async function messagesFrom(sender: string, users: string[]): Promise<number> {
	let n = 0;
	for (const user of users) n += (await readMailbox(user)).filter((m) => m.from.toLowerCase() === addressOf(sender)).length;
	return n;
}

/** Polls until `fn` returns a value that passes `done`, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(what: string, fn: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 120_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await fn();
		if (done(value)) return value;
		if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s (last: ${JSON.stringify(value).slice(0, 500)})`);
		await new Promise((resolve) => setTimeout(resolve, 1000));
	}
}
