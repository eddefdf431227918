/**
 * The IMAP Reply Trigger node through n8n-core's real parts: activation with n8n-core's `TriggerContext`
 * and n8n's emit emulated as its source does it (`test/harness/trigger-activation.ts`), and a manual test
 * run through the engine harness (`WorkflowExecute`, `TriggersAndPollers`).
 * Users u36 and u37 belong to this file.
 */
import 'reflect-metadata';
import type { IDataObject, INode, INodeExecutionData, INodeParameters, ITriggerResponse } from 'n8n-workflow';
import { ImapReplyTrigger } from '../../nodes/ImapReplyTrigger/ImapReplyTrigger.node';
import { runWorkflow } from '../harness/engine';
import { activateTrigger, type Activation } from '../harness/trigger-activation';
import { addressOf, credentialFor, mailstack } from '../helpers/mailstack';
import { appendTo, connectionsOf, deliver, eventually, ourId, replyRaw, settle, uniqueTag } from '../integration/trigger/trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(60_000);

const TYPE = 'n8n-nodes-smtp-sequence.imapReplyTrigger';
/** Workflow.getStaticData('node', node) keeps each node's data under this key. */
const NODE_KEY = 'node:IMAP Reply Trigger';

const open: ITriggerResponse[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map((r) => r.closeFunction?.()));
});

function triggerNode(parameters: INodeParameters = {}): INode {
	return {
		id: 't1',
		name: 'IMAP Reply Trigger',
		type: TYPE,
		typeVersion: 1,
		position: [0, 0],
		parameters,
		credentials: { outreachMailboxApi: { id: '1', name: 'Mailbox' } },
	};
}

async function activate(user: string, parameters: INodeParameters, savedStaticData: IDataObject = {}, password?: string): Promise<Activation> {
	const activation = await activateTrigger({
		nodeType: ImapReplyTrigger,
		node: triggerNode(parameters),
		workflowId: `wf-${user}`,
		credentials: { outreachMailboxApi: credentialFor(user, password ? { password } : {}) },
		staticData: savedStaticData,
	});
	open.push(activation.response);
	return activation;
}

function replyTo(user: string, tag: string, label: string): [string, { from: string; to: string }] {
	const prospect = 'prospect1@example.test';
	const raw = replyRaw({ from: prospect, to: addressOf(user), subject: `Re: ${label} ${tag}`, inReplyTo: ourId(`wf-${tag}`, prospect, 3) });
	return [raw, { from: prospect, to: addressOf(user) }];
}

const subjects = (executions: INodeExecutionData[][], tag: string) =>
	executions.flat().map((i) => String(i.json.subject)).filter((s) => s.includes(tag));

describe('IMAP Reply Trigger with n8n-core TriggerContext', () => {
	it('emits replies as items, saves the cursor with the emit, resumes after a restart, and closes its connections', async () => {
		const user = 'u36';
		const tag = uniqueTag();
		const params = { events: ['reply', 'bounce'], scope: 'sequence', watchJunk: false, sequenceKeys: `wf-${tag}` };
		const first = await activate(user, params);
		const cursorAtActivation = ((first.saved()[NODE_KEY] as IDataObject).folders as IDataObject).INBOX as IDataObject;
		expect(cursorAtActivation.lastUid).toEqual(expect.any(Number));

		await deliver(...replyTo(user, tag, 'live'));
		await eventually(async () => subjects(first.executions, tag).length === 1);
		const item = first.executions.flat().find((i) => String(i.json.subject).includes(tag));
		expect(item?.json).toMatchObject({ class: 'reply', step: 3, sequenceKey: `wf-${tag}`, prospectEmail: 'prospect1@example.test', prospectVerified: true, fromColleague: false });
		const savedCursor = ((first.saved()[NODE_KEY] as IDataObject).folders as IDataObject).INBOX as IDataObject;
		expect(savedCursor.lastUid).toBeGreaterThanOrEqual(Number(item?.json.uid));

		await first.response.closeFunction?.();
		open.splice(open.indexOf(first.response), 1);
		await eventually(async () => (await connectionsOf(user)) === 0);

		// while "n8n" is down
		await deliver(...replyTo(user, tag, 'down-1'));
		await deliver(...replyTo(user, tag, 'down-2'));
		await settle(300);
		const second = await activate(user, params, first.saved());
		await eventually(async () => subjects(second.executions, tag).length === 2);
		await settle(500);
		expect(subjects(second.executions, tag).sort()).toEqual([`Re: down-1 ${tag}`, `Re: down-2 ${tag}`]);
		expect(second.errors).toEqual([]);
	});

	it('fails activation with a clear message when the password is wrong', async () => {
		const error = await activate('u37', {}, {}, 'not-the-password').then(
			() => undefined,
			(e: Error) => e,
		);
		expect(error?.constructor.name).toBe('NodeOperationError');
		expect(error?.message).toMatch(/password was rejected/);
		expect(error?.message).not.toContain('not-the-password');
	});

	it('reconnects after a server kick without reporting an error', async () => {
		const user = 'u37';
		const activation = await activate(user, { watchJunk: false });
		await mailstack('kick', addressOf(user));
		await eventually(async () => (await connectionsOf(user)) === 1);
		expect(activation.errors).toEqual([]);
	});
});

describe('IMAP Reply Trigger manual test run in the engine', () => {
	it('emits the most recent matching message at once, with attachments as binary', async () => {
		const user = 'u37';
		const tag = uniqueTag();
		const prospect = 'prospect2@example.test';
		const id = ourId(`wf-${tag}`, prospect, 1);
		await appendTo(user, 'INBOX', replyRaw({ from: prospect, to: addressOf(user), subject: `Re: older ${tag}`, inReplyTo: id }));
		const withAttachment = [
			`From: ${prospect}`,
			`To: ${addressOf(user)}`,
			`Subject: Re: newest ${tag}`,
			`In-Reply-To: ${id}`,
			'MIME-Version: 1.0',
			'Content-Type: multipart/mixed; boundary="b1"',
			'',
			'--b1',
			'Content-Type: text/plain; charset=utf-8',
			'',
			'Here is our brief.',
			'--b1',
			'Content-Type: text/csv; name="brief.csv"',
			'Content-Disposition: attachment; filename="brief.csv"',
			'',
			'a,b',
			'--b1--',
			'',
		].join('\r\n');
		await appendTo(user, 'INBOX', withAttachment);
		await appendTo(user, 'INBOX', replyRaw({ from: 'newsletter@example.test', to: addressOf(user), subject: `News ${tag}` }));

		const result = await runWorkflow({
			workflow: { nodes: [triggerNode({ options: { includeAttachments: true } })], connections: {} },
			nodeClasses: { [TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor(user) },
		});
		expect(result.error).toBeUndefined();
		const items = result.output('IMAP Reply Trigger');
		expect(items).toHaveLength(1);
		expect(items[0].json).toMatchObject({ subject: `Re: newest ${tag}`, class: 'reply', step: 1, replyText: 'Here is our brief.' });
		expect(items[0].binary?.attachment_0).toMatchObject({ fileName: 'brief.csv', mimeType: 'text/csv' });
	});

	it('says clearly that no recent message matches instead of waiting', async () => {
		const result = await runWorkflow({
			workflow: { nodes: [triggerNode({ events: ['complaint'] })], connections: {} },
			nodeClasses: { [TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor('u37') },
		});
		expect(result.error?.message).toMatch(/No matching message among the last 50 messages of INBOX/);
	});
});
