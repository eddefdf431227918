/**
 * Issue 14, points 4 and 9, the IMAP Reply Trigger in the editor: the events are not narrowed by n8n's
 * generated actions, the subtitle follows the selection, "No matching message" names the events filter,
 * Sequence Keys is a visible field, classReason has words beside it, and Junk is watched by default like
 * SMTP Sequence checks it. Test runs ("Test this trigger") through n8n-core's engine on the real stack.
 */
import 'reflect-metadata';
import { Workflow, type INode, type INodeParameters, type INodeTypes } from 'n8n-workflow';
import { ImapReplyTrigger } from '../../../nodes/ImapReplyTrigger/ImapReplyTrigger.node';
import { SmtpSequence } from '../../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../../harness/engine';
import { addressOf, credentialFor, resetMailboxes } from '../../helpers/mailstack';
import { appendTo, ourId, replyRaw, uniqueTag } from '../../integration/trigger/trigger-fixtures';

const TYPE = 'n8n-nodes-smtp-sequence.imapReplyTrigger';
const NAME = 'IMAP Reply Trigger';
const trigger = new ImapReplyTrigger();

function triggerNode(parameters: INodeParameters = {}): INode {
	return { id: 't1', name: NAME, type: TYPE, typeVersion: 1, position: [0, 0], parameters, credentials: { outreachMailboxApi: { id: '1', name: 'Mailbox' } } };
}

/** The subtitle as the editor shows it: n8n-workflow's expression engine with the node's parameters. */
function subtitleFor(parameters: INodeParameters): unknown {
	const node = triggerNode(parameters);
	const nodeTypes: INodeTypes = {
		getByName: () => trigger,
		getByNameAndVersion: () => trigger,
		getKnownTypes: () => ({}),
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const resolved = workflow.getNode(NAME) as INode;
	return workflow.expression.getSimpleParameterValue(resolved, trigger.description.subtitle as string, 'internal', {});
}

beforeAll(() => resetMailboxes('u147', 'u148'));

describe('issue 14 point 4: the trigger events are not narrowed silently', () => {
	it('no parameter is displayed as "Event"/"Events"/"Trigger On", so n8n generates no "On …" action that keeps a single event', () => {
		// n8n 2.41 editor-ui (useActionsGeneration, triggersCategory): a trigger property whose displayName,
		// lower-cased, is one of these becomes one action per option, setting only that option
		const generating = ['event', 'events', 'trigger on'];
		expect(trigger.description.properties.filter((p) => generating.includes(p.displayName.toLowerCase()))).toEqual([]);
		const events = trigger.description.properties.find((p) => p.name === 'events');
		expect(events?.default).toEqual(['reply', 'autoReply', 'bounce', 'unsubscribe', 'complaint']);
	});

	it('the subtitle follows the selection', () => {
		// the default, every stop event, in words that fit under the node on the canvas
		expect(subtitleFor({})).toBe('All stop events');
		expect(subtitleFor({ events: ['complaint', 'unsubscribe', 'bounce', 'autoReply', 'reply'] })).toBe('All stop events');
		expect(subtitleFor({ events: ['reply', 'autoReply', 'bounce', 'unsubscribe', 'complaint', 'deliveryReport'] })).toBe('All events');
		expect(subtitleFor({ events: ['reply', 'autoReply', 'bounce', 'unsubscribe'] })).toBe('Replies, Auto-replies, Bounces, Unsubscribe requests');
		expect(subtitleFor({ events: [] })).toBe('No events selected');
		expect(subtitleFor({ events: ['reply'] })).toBe('Replies');
		expect(subtitleFor({ events: ['bounce', 'deliveryReport'] })).toBe('Bounces, Delivery reports');
	});

	it('the trigger says what it waits for and what activation means', () => {
		expect(trigger.description.eventTriggerDescription).toMatch(/reply/);
		expect(trigger.description.activationMessage).toMatch(/start this workflow/);
	});

	it('"No matching message" names the events filter when only other events are there', async () => {
		const tag = uniqueTag();
		const prospect = 'someone@example.test';
		await appendTo('u147', 'INBOX', replyRaw({ from: prospect, to: addressOf('u147'), subject: `Re: hi ${tag}`, inReplyTo: ourId(`ed-${tag}`, prospect, 1) }));
		const result = await runWorkflow({
			workflow: { nodes: [triggerNode({ events: ['complaint'], watchJunk: false })], connections: {} },
			nodeClasses: { [TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor('u147') },
		});
		expect(result.error?.message).toBe('No matching message among the last 50 messages of INBOX (Start the Workflow On: complaints; SMTP Sequence emails only)');
		expect(String((result.error as { description?: string } | undefined)?.description)).toContain('"Start the Workflow On"');
	});
});

describe('issue 14 point 9: Sequence Keys visible, classReason in words, one Junk default', () => {
	it('Sequence Keys is a top-level field, and with it the test run names the sequence and verifies the prospect', async () => {
		expect(trigger.description.properties.map((p) => p.name)).toContain('sequenceKeys');
		const tag = uniqueTag();
		const key = `keys-${tag}`;
		const prospect = 'ann@example.test';
		await appendTo('u147', 'INBOX', replyRaw({ from: prospect, to: addressOf('u147'), subject: `Re: keys ${tag}`, inReplyTo: ourId(key, prospect, 1) }));
		const result = await runWorkflow({
			workflow: { nodes: [triggerNode({ sequenceKeys: key, watchJunk: false })], connections: {} },
			nodeClasses: { [TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor('u147') },
		});
		expect(result.error).toBeUndefined();
		expect(result.output(NAME)[0].json).toMatchObject({
			subject: `Re: keys ${tag}`,
			sequenceKey: key,
			prospectVerified: true,
			class: 'reply',
			classReason: 'default:human',
			classReasonText: expect.stringMatching(/^Written by a person/),
		});
	});

	it('the trigger watches Junk by default, as SMTP Sequence checks it by default', async () => {
		const junkDefault = trigger.description.properties.find((p) => p.name === 'watchJunk')?.default;
		const sequenceOptions = new SmtpSequence().description.properties.find((p) => p.name === 'messageOptions')?.options ?? [];
		const checkJunk = sequenceOptions.find((o) => 'name' in o && o.name === 'checkJunk');
		expect(junkDefault).toBe(true);
		expect(checkJunk && 'default' in checkJunk ? checkJunk.default : undefined).toBe(junkDefault);

		const tag = uniqueTag();
		const prospect = 'spam-filtered@example.test';
		await appendTo('u148', 'Junk', replyRaw({ from: prospect, to: addressOf('u148'), subject: `Re: junk ${tag}`, inReplyTo: ourId(`junk-${tag}`, prospect, 1) }));
		const result = await runWorkflow({
			workflow: { nodes: [triggerNode({})], connections: {} },
			nodeClasses: { [TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor('u148') },
		});
		expect(result.error).toBeUndefined();
		expect(result.output(NAME)[0].json).toMatchObject({ subject: `Re: junk ${tag}`, folder: 'Junk' });
	});
});
