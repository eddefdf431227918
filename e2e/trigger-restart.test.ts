/**
 * The published IMAP Reply Trigger across n8n restarts, on a server this file owns (the shared one
 * cannot be stopped from a test): replies that arrive while n8n is down are each emitted exactly once
 * after it is back, and a restart with nothing new emits nothing again.
 *
 * dave is the sender's mailbox; colleague and carol answer. The sequence emails themselves are not sent
 * here (outreach.test.ts does that); the replies point at the Message-IDs the SMTP Sequence node would
 * have given them, which is all the trigger matches on.
 */
import * as fs from 'node:fs';
import { sequenceMessageId } from '../core/mail/message-id';
import { addressOf, credentialFor, resetMailboxes, stack } from '../test/helpers/mailstack';
import { replyFrom, waitForMessage } from '../test/helpers/sequence';
import { runtimeById } from '../scripts/lib/n8n-runtime';
import { N8nServer } from './lib/n8n-server';
import { TYPES } from './lib/package-tarball';
import { readSharedState } from './lib/shared-server';
import { emittedItems, loadWorkflow } from './lib/workflows';

const OWNER = 'dave';
const TRIGGER = 'IMAP Reply Trigger';
const sequenceKey = `e2e-restart-${Date.now()}`;
const idFor = (user: string, step: number): string => sequenceMessageId(sequenceKey, addressOf(user), step, stack.domain);

let server: N8nServer;
let workflowId: string;
let workflowName: string;
const figures: Record<string, string> = {};

/** How many times each Message-ID was emitted by the trigger, over all executions. */
async function emittedCounts(): Promise<Map<string, number>> {
	const counts = new Map<string, number>();
	for (const item of emittedItems(await server.executions(workflowId, 100), TRIGGER)) {
		const id = String(item.messageId);
		counts.set(id, (counts.get(id) ?? 0) + 1);
	}
	return counts;
}

async function waitUntilEmitted(messageIds: string[], timeoutMs = 60_000): Promise<number> {
	const t = Date.now();
	await server.waitForExecutions(
		workflowId,
		(list) => {
			const ids = new Set(emittedItems(list, TRIGGER).map((i) => String(i.messageId)));
			return messageIds.every((id) => ids.has(id));
		},
		timeoutMs,
	);
	return Date.now() - t;
}

async function reply(from: string, step: number, text: string): Promise<string> {
	const info = await replyFrom(from, addressOf(OWNER), idFor(from, step), { subject: 'Re: Quick question', text });
	await waitForMessage(OWNER, (m) => m.messageId === info.messageId);
	return info.messageId;
}

beforeAll(async () => {
	await resetMailboxes('dave', 'colleague');
	const t = Date.now();
	const shared = readSharedState();
	server = await N8nServer.create({
		nodesTemplate: shared.nodesTemplate,
		runtime: runtimeById(shared.server.runtime),
		// Debug level: the "Activated trigger node" line tells when the trigger is watching.
		env: { N8N_LOG_LEVEL: 'debug' },
		log: (line) => process.stderr.write(`[restart] ${line}\n`),
	});
	await server.start();
	await server.setupOwner();
	figures['own n8n: fresh start to ready'] = `${server.readinessSeconds} s (with owner: ${((Date.now() - t) / 1000).toFixed(1)} s)`;
	const credential = await server.createCredential('Dave (Outreach Mailbox)', TYPES.credential, credentialFor(OWNER, { smtp: 'tls', imap: 'tls' }));
	const workflow = loadWorkflow('reply-trigger', { SEQUENCE_KEY: sequenceKey, CREDENTIAL_ID: credential, CREDENTIAL_NAME: 'Dave (Outreach Mailbox)' });
	workflowName = workflow.name;
	workflowId = await server.createWorkflow(workflow);
	const logFrom = server.logSize();
	await server.activateWorkflow(workflowId);
	await server.waitForTriggerActive(TRIGGER, workflowName, logFrom);
}, 240_000);

afterAll(async () => {
	if (!server) return;
	await server.stop();
	if (process.env.N8N_E2E_KEEP !== '1') fs.rmSync(server.userFolder, { recursive: true, force: true });
	console.log(`restart e2e figures:\n${Object.entries(figures).map(([k, v]) => `  ${k.padEnd(44)} ${v}`).join('\n')}`);
});

describe('IMAP Reply Trigger across n8n restarts', () => {
	it('emits each reply that arrived while n8n was down exactly once after the restart', async () => {
		const live = await reply('colleague', 1, 'Interesting, tell me more.');
		figures['live reply → emitted'] = `${((await waitUntilEmitted([live])) / 1000).toFixed(1)} s`;

		const t = Date.now();
		await server.stop();
		figures['stop'] = `${((Date.now() - t) / 1000).toFixed(1)} s`;
		expect(server.running).toBe(false);
		const whileDown = [await reply('carol', 1, 'Yes, call me on Thursday.'), await reply('colleague', 2, 'Sorry, one more question.')];

		const logFrom = server.logSize();
		await server.start();
		figures['restart: ready'] = `${server.readinessSeconds} s`;
		const ready = Date.now();
		await server.waitForTriggerActive(TRIGGER, workflowName, logFrom);
		figures['restart: ready → trigger watching'] = `${((Date.now() - ready) / 1000).toFixed(1)} s`;
		figures['trigger watching → both missed replies emitted'] = `${((await waitUntilEmitted(whileDown)) / 1000).toFixed(1)} s`;

		const counts = await emittedCounts();
		expect([live, ...whileDown].map((id) => counts.get(id))).toEqual([1, 1, 1]);
		expect([...counts.values()].reduce((a, b) => a + b, 0)).toBe(3);
		const items = emittedItems(await server.executions(workflowId, 100), TRIGGER);
		const carol = items.find((i) => i.messageId === whileDown[0]);
		expect(carol).toMatchObject({ class: 'reply', prospectEmail: addressOf('carol'), prospectVerified: true, sequenceKey, step: 1 });
	}, 300_000);

	it('a restart with nothing new emits nothing again; the next reply is the only new item', async () => {
		await server.restart();
		figures['second restart: ready'] = `${server.readinessSeconds} s`;
		// Anything re-emitted on start-up would come before (or with) this reply.
		const next = await reply('carol', 2, 'Actually, Friday works better.');
		figures['reply after restart → emitted'] = `${((await waitUntilEmitted([next])) / 1000).toFixed(1)} s`;
		const counts = await emittedCounts();
		expect([...counts.values()]).toEqual([1, 1, 1, 1]);
		expect(counts.get(next)).toBe(1);
	}, 300_000);
});
