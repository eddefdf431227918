/**
 * The outreach story inside a real n8n 2.41 server (the shared one) with the packed package, against
 * the real Postfix + Dovecot, checked through n8n's public API and the mailboxes:
 *
 *   Schedule Trigger → Code (prospects) → SMTP Sequence      run as the editor's "Execute workflow"
 *   IMAP Reply Trigger → Set (CRM row)                       published (active)
 *   Email Trigger (IMAP), n8n's built-in                     published later, on the same mailbox
 *
 * alice is the sender's mailbox; bob and carol are prospects; an unknown @example.test address bounces.
 */
import * as path from 'node:path';
import { sequenceMessageId } from '../core/mail/message-id';
import { addressOf, credentialFor, n8nImapCredentialFor, resetMailboxes, stack } from '../test/helpers/mailstack';
import { readMailbox, replyFrom, waitForMessage, type ReceivedMessage } from '../test/helpers/sequence';
import type { N8nExecution, N8nServer, WorkflowJson } from './lib/n8n-server';
import { TYPES } from './lib/package-tarball';
import { screenshotPages, type PwFrame } from './lib/screenshot';
import { readSharedState, sharedServer } from './lib/shared-server';
import { emittedItems, loadWorkflow, nodeId, nodeItems } from './lib/workflows';

/**
 * Where the editor screenshots go: an ignored folder by default, so a test run leaves the tree clean;
 * `E2E_SCREENSHOT_DIR=docs/screenshots npm run test:e2e` refreshes the committed ones.
 */
const SCREENSHOTS = path.resolve(__dirname, '..', process.env.E2E_SCREENSHOT_DIR ?? path.join('.runtime', 'e2e-screenshots'));
const SENDER = 'alice';
const SEQUENCE_NODE = 'SMTP Sequence';
const REPLY_TRIGGER = 'IMAP Reply Trigger';
const EMAIL_TRIGGER = 'Email Trigger (IMAP)';
/** A push trigger should start its workflow within seconds; generous for a loaded 2-core CI box. */
const TRIGGER_DEADLINE_MS = 30_000;

const sequenceKey = `outreach-${Date.now().toString(36)}`;
const unknown = `nobody-${Date.now()}@${stack.domain}`;
const prospects = [
	{ email: addressOf('bob'), firstName: 'Bob', company: 'Bobco' },
	{ email: addressOf('carol'), firstName: 'Carol', company: 'Carolware' },
	{ email: unknown, firstName: 'Nobody', company: 'Nowhere' },
];
const step1Id = (email: string): string => sequenceMessageId(sequenceKey, email, 1, stack.domain);
const step2Id = (email: string): string => sequenceMessageId(sequenceKey, email, 2, stack.domain);

let server: N8nServer;
let sequenceWorkflow: WorkflowJson;
let sequenceWorkflowId: string;
let triggerWorkflow: WorkflowJson;
let triggerWorkflowId: string;
let emailTriggerWorkflow: WorkflowJson;
let emailTriggerWorkflowId: string;
/** The reply trigger execution that carried bob's reply (for the screenshot). */
let replyExecution: N8nExecution | undefined;
/** Filled by the tests, printed at the end: what the docs record. */
const figures: Record<string, string> = {};

/** Items the reply trigger emitted so far, oldest first. */
async function triggerItems(workflowId = triggerWorkflowId): Promise<Array<Record<string, unknown> & { executionId: string }>> {
	return emittedItems(await server.executions(workflowId, 50), REPLY_TRIGGER);
}

/** Polls until the reply trigger emitted a message with this Message-ID; returns the item and when it was seen. */
async function waitForEmitted(messageId: string, workflowId = triggerWorkflowId): Promise<{ item: Record<string, unknown> & { executionId: string }; seenAt: number }> {
	const list = await server.waitForExecutions(
		workflowId,
		(executions) => emittedItems(executions, REPLY_TRIGGER).some((i) => i.messageId === messageId),
		TRIGGER_DEADLINE_MS,
	);
	const item = emittedItems(list, REPLY_TRIGGER).find((i) => i.messageId === messageId);
	if (!item) throw new Error('unreachable');
	return { item, seenAt: Date.now() };
}

/** The last sequence execution (the second run's, for the screenshot). */
let lastSequenceExecution: N8nExecution | undefined;

async function runSequence(): Promise<Array<Record<string, unknown>>> {
	const t = Date.now();
	const execution = await server.runManually(sequenceWorkflowId, 'Every 5 Minutes');
	lastSequenceExecution = execution;
	figures[`sequence run ${Object.keys(figures).filter((k) => k.startsWith('sequence run')).length + 1}`] = `${((Date.now() - t) / 1000).toFixed(1)} s`;
	expect(execution.data?.resultData.error?.message).toBeUndefined();
	expect(execution.status).toBe('success');
	return nodeItems(execution, SEQUENCE_NODE);
}

function byEmail(items: Array<Record<string, unknown>>): Record<string, Record<string, unknown>> {
	return Object.fromEntries(items.map((i) => [String(i.email), i]));
}

function headerValue(message: ReceivedMessage, name: string): string | undefined {
	const unfolded = message.headers.replace(/\r?\n[ \t]+/g, ' ');
	return unfolded.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'im'))?.[1]?.trim();
}

beforeAll(async () => {
	await resetMailboxes('alice', 'bob', 'carol', 'dave', 'colleague');
	server = await sharedServer();
	const mailbox = await server.createCredential('Alice (Outreach Mailbox)', TYPES.credential, credentialFor(SENDER, { smtp: 'tls', imap: 'tls' }));
	const imap = await server.createCredential('Alice (IMAP)', 'imap', n8nImapCredentialFor(SENDER));
	const outreachVars = { SEQUENCE_KEY: sequenceKey, CREDENTIAL_ID: mailbox, CREDENTIAL_NAME: 'Alice (Outreach Mailbox)' };
	sequenceWorkflow = loadWorkflow('sequence', { ...outreachVars, PROSPECTS: JSON.stringify(prospects) });
	triggerWorkflow = loadWorkflow('reply-trigger', outreachVars);
	sequenceWorkflowId = await server.createWorkflow(sequenceWorkflow);
	triggerWorkflowId = await server.createWorkflow(triggerWorkflow);
	emailTriggerWorkflow = loadWorkflow('email-trigger-imap', { CREDENTIAL_ID: imap, CREDENTIAL_NAME: 'Alice (IMAP)' });
	// The newest Email Trigger (IMAP) is 2.2 in n8n 2.x and 2.1 in 1.x (same defaults: Mark as Read).
	if (server.n8nMajor === 1) for (const node of emailTriggerWorkflow.nodes) if (node.name === EMAIL_TRIGGER) node.typeVersion = 2.1;
	emailTriggerWorkflowId = await server.createWorkflow(emailTriggerWorkflow);
	const t = Date.now();
	const logFrom = server.logSize();
	await server.activateWorkflow(triggerWorkflowId);
	await server.waitForTriggerActive(REPLY_TRIGGER, triggerWorkflow.name, logFrom);
	figures['publish reply trigger → watching'] = `${((Date.now() - t) / 1000).toFixed(1)} s`;
});

afterAll(async () => {
	// Leave the shared server quiet for the next file.
	for (const id of [triggerWorkflowId, emailTriggerWorkflowId]) {
		if (id) await server.deactivateWorkflow(id).catch(() => undefined);
	}
	console.log(`outreach e2e figures:\n${Object.entries(figures).map(([k, v]) => `  ${k.padEnd(44)} ${v}`).join('\n')}`);
});

describe('SMTP Sequence in n8n: schedule-style workflow', () => {
	it('sends step 1 to every prospect: our Message-ID, no threading headers, List-Unsubscribe', async () => {
		const out = byEmail(await runSequence());
		for (const p of prospects) {
			expect(out[p.email]).toMatchObject({ status: 'sent', step: 1, messageId: step1Id(p.email), sequenceKey });
		}
		for (const user of ['bob', 'carol']) {
			const received = await waitForMessage(user, (m) => m.messageId === step1Id(addressOf(user)));
			expect(headerValue(received, 'In-Reply-To')).toBeUndefined();
			expect(headerValue(received, 'References')).toBeUndefined();
			expect(headerValue(received, 'List-Unsubscribe')).toMatch(/<mailto:alice@example\.test\?subject=unsubscribe>/i);
			expect(headerValue(received, 'From')).toMatch(/alice@example\.test/);
			expect(received.subject).toMatch(/^(Quick question|A quick question), (Bob|Carol)$/);
		}
		// The sender sees what went out: a copy of each step in Sent.
		const sent = await readMailbox(SENDER, 'Sent');
		expect(sent.map((m) => m.messageId).sort()).toEqual(prospects.map((p) => step1Id(p.email)).sort());
	});
});

describe('IMAP Reply Trigger in n8n: published workflow', () => {
	it('recognises the bounce for the unknown address: class bounce, prospect = failed recipient', async () => {
		// Postfix accepted the unknown @example.test recipient and returned a DSN to alice.
		const dsn = await waitForMessage(SENDER, (m) => /MAILER-DAEMON/i.test(m.from) || /Undelivered|failure/i.test(m.subject));
		const { item } = await waitForEmitted(dsn.messageId);
		expect(item).toMatchObject({ class: 'bounce', prospectEmail: unknown, prospectVerified: true, sequenceKey, step: 1 });
		expect(item.bounce).toMatchObject({ hard: true, recipient: unknown, status: expect.stringMatching(/^5\./) });
	});

	it("starts the workflow within seconds of bob's reply: class reply, prospect bob, step 1", async () => {
		const sentAt = Date.now();
		const info = await replyFrom('bob', addressOf(SENDER), step1Id(addressOf('bob')), {
			subject: 'Re: Quick question, Bob',
			text: 'Hi Alice, sounds good - Tuesday 10:00?\n\nBob\n\nOn Mon, Alice wrote:\n> Would a 15-minute call next week be useful?',
		});
		const { item, seenAt } = await waitForEmitted(info.messageId);
		figures['reply → trigger execution visible (API poll)'] = `${((seenAt - sentAt) / 1000).toFixed(1)} s`;
		expect(item).toMatchObject({
			class: 'reply',
			prospectEmail: addressOf('bob'),
			prospectVerified: true,
			sequenceKey,
			step: 1,
			inReplyTo: step1Id(addressOf('bob')),
			folder: 'INBOX',
		});
		expect(String(item.replyText)).toMatch(/Tuesday 10:00/);
		expect(String(item.replyText)).not.toMatch(/15-minute call/);
		const executions = await server.executions(triggerWorkflowId, 50);
		replyExecution = executions.find((e) => e.id === item.executionId);
		expect(replyExecution).toMatchObject({ mode: 'trigger', status: 'success' });
		// The Set node mapped the trigger's fields without a Code node.
		expect(nodeItems(replyExecution as N8nExecution, 'CRM Row')).toContainEqual(expect.objectContaining({ email: addressOf('bob'), status: 'reply', answeredStep: 1 }));
		// Emitted once (the DSN for the unknown address may have been emitted meanwhile: count by Message-ID).
		expect((await triggerItems()).filter((i) => i.messageId === info.messageId)).toHaveLength(1);
	});

	it('the next run stops bob (replied) and the unknown address (bounced), and follows up with carol in the thread', async () => {
		const out = byEmail(await runSequence());
		expect(out[addressOf('bob')]).toMatchObject({ status: 'stopped', stopReason: 'replied' });
		expect(out[unknown]).toMatchObject({ status: 'stopped', stopReason: 'bounced' });
		expect(out[addressOf('carol')]).toMatchObject({ status: 'sent', step: 2, messageId: step2Id(addressOf('carol')), threadMessageId: step1Id(addressOf('carol')) });
		const followUp = await waitForMessage('carol', (m) => m.messageId === step2Id(addressOf('carol')));
		expect(headerValue(followUp, 'In-Reply-To')).toBe(step1Id(addressOf('carol')));
		expect(followUp.subject).toMatch(/^Re: (Quick question|A quick question), Carol$/);
		// Nothing new for the replier: step 1 is all bob ever got.
		expect((await readMailbox('bob')).map((m) => m.messageId)).toEqual([step1Id(addressOf('bob'))]);
	});
});

describe("flags: n8n's Email Trigger (IMAP) and ours on the same mailbox", () => {
	it('n8n marks the new messages \\Seen; the IMAP Reply Trigger leaves every flag as it was', async () => {
		// \Recent is a session flag (RFC 3501 §2.3.2) no client can STORE: it is not part of the comparison.
		const stored = (m: ReceivedMessage): string[] => m.flags.filter((f) => f !== '\\Recent').sort();
		const flags = (m: ReceivedMessage): string => (stored(m).length ? stored(m).join(' ') : '(none)');
		const label = (m: ReceivedMessage): string => (m.messageId.includes('MAILER-DAEMON') || /Undelivered/i.test(m.subject) ? 'DSN bounce' : `reply from ${m.from}`);

		// Phase 1: only our trigger has been watching (it emitted bob's reply and the DSN above).
		const phase1 = await readMailbox(SENDER);
		expect(phase1.length).toBe(2);
		const ours = new Map(phase1.map((m) => [m.messageId, flags(m)]));
		for (const m of phase1) expect(stored(m)).toEqual([]);

		// Phase 2: n8n's own Email Trigger (IMAP), default settings, published beside ours; carol answers.
		const logFrom = server.logSize();
		await server.activateWorkflow(emailTriggerWorkflowId);
		await server.waitForTriggerActive(EMAIL_TRIGGER, emailTriggerWorkflow.name, logFrom);
		const info = await replyFrom('carol', addressOf(SENDER), step2Id(addressOf('carol')), {
			subject: 'Re: Quick question, Carol',
			text: 'Not interested, thanks.',
			references: [step1Id(addressOf('carol')), step2Id(addressOf('carol'))],
		});
		const { item } = await waitForEmitted(info.messageId);
		expect(item).toMatchObject({ class: 'reply', prospectEmail: addressOf('carol'), step: 2 });
		const builtIn = await server.waitForExecutions(
			emailTriggerWorkflowId,
			(list) => list.some((e) => nodeItems(e, EMAIL_TRIGGER).some((i) => JSON.stringify(i).includes(info.messageId.replace(/[<>]/g, '')))),
			TRIGGER_DEADLINE_MS,
		);
		// Give n8n's post-processing (the STORE +FLAGS \Seen) a moment after the emit.
		await new Promise((resolve) => setTimeout(resolve, 2000));
		const phase2 = await readMailbox(SENDER);

		const rows = phase2.map((m) => ({
			message: label(m),
			uid: m.uid,
			afterOurs: ours.get(m.messageId) ?? '(arrived in phase 2)',
			afterBoth: flags(m),
		}));
		console.log(
			[
				'IMAP flags in alice@example.test INBOX',
				'| message | UID | only IMAP Reply Trigger watching | + n8n Email Trigger (IMAP) published |',
				'| --- | --- | --- | --- |',
				...rows.map((r) => `| ${r.message} | ${r.uid} | ${r.afterOurs} | ${r.afterBoth} |`),
			].join('\n'),
		);
		figures['flags table'] = JSON.stringify(rows);
		figures['n8n Email Trigger: executions / items'] = `${builtIn.length} / ${builtIn.reduce((n, e) => n + nodeItems(e, EMAIL_TRIGGER).length, 0)}`;

		const carolsReply = phase2.find((m) => m.messageId === info.messageId);
		expect(carolsReply?.flags).toContain('\\Seen');
		// What the built-in did to the messages ours had already emitted (it searches UNSEEN since its activation day).
		const earlier = phase2.filter((m) => ours.has(m.messageId));
		figures['earlier messages \\Seen after the built-in'] = `${earlier.filter((m) => m.flags.includes('\\Seen')).length} of ${earlier.length}`;
		// Ours emitted carol's reply exactly once, \Seen or not.
		expect((await triggerItems()).filter((i) => i.messageId === info.messageId)).toHaveLength(1);
		await server.deactivateWorkflow(emailTriggerWorkflowId);
	});
});

// The screenshots document the 2.x editor (README); the 1.x runtime has no browser driver.
const screenshots = readSharedState().server.runtime === '2.x' ? describe : describe.skip;

screenshots('editor screenshots (headless Chromium)', () => {
	// Chromium and the editor bundle are slow on a loaded 2-core machine: ~10–35 s a page.
	it('the sequence canvas, the SMTP Sequence parameters and run output, the trigger output of a real reply', async () => {
		expect(replyExecution).toBeDefined();
		const t = Date.now();
		const seconds = await screenshotPages(
			server,
			[
				{ urlPath: `/workflow/${sequenceWorkflowId}`, outFile: path.join(SCREENSHOTS, 'sequence-workflow.png') },
				{
					urlPath: `/workflow/${sequenceWorkflowId}/${nodeId(sequenceWorkflow, SEQUENCE_NODE)}`,
					outFile: path.join(SCREENSHOTS, 'smtp-sequence-parameters.png'),
					waitFor: '[data-test-id="ndv"]',
				},
				{
					// The second run's items: stopped (replied), step 2 sent in the thread, stopped (bounced).
					urlPath: `/workflow/${sequenceWorkflowId}/executions/${lastSequenceExecution?.id}/${nodeId(sequenceWorkflow, SEQUENCE_NODE)}`,
					outFile: path.join(SCREENSHOTS, 'smtp-sequence-run-output.png'),
					waitFor: '[data-test-id="ndv-run-data-display-mode"]',
					// Wide enough for the output table's email, status, stopReason and step columns.
					width: 1920,
					height: 900,
				},
				{
					// The execution view with the trigger node opened: what a user sees after a real reply.
					urlPath: `/workflow/${triggerWorkflowId}/executions/${replyExecution?.id}/${nodeId(triggerWorkflow, REPLY_TRIGGER)}`,
					outFile: path.join(SCREENSHOTS, 'reply-trigger-output.png'),
					// The output pane's Schema/Table/JSON switch (a trigger's panel has no input pane).
					waitFor: '[data-test-id="ndv-run-data-display-mode"]',
					// Show the whole item (replyText, step, inReplyTo …) rather than the first table columns.
					prepare: async (_page, frame: PwFrame) => {
						await frame.locator('[data-test-id="ndv-run-data-display-mode"] >> visible=true').locator('text=JSON').first().click();
					},
				},
			],
			{ width: 1280, height: 800 },
		);
		figures['4 screenshots (one browser)'] = `${((Date.now() - t) / 1000).toFixed(1)} s (${seconds.join(' + ')} s per page) in ${SCREENSHOTS}`;
	}, 300_000);
});
