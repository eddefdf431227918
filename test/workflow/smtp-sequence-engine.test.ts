/**
 * The SMTP Sequence node inside n8n-core's real engine, from workflow JSON, against the real mail stack:
 * expressions per item, missing variables as per-item errors, continueOnFail and pairedItem, and sends
 * that the next execution remembers through the mailbox.
 */
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { sequenceMessageId } from '../../core/mail/message-id';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { addressOf, credentialFor, resetMailboxes } from '../helpers/mailstack';
import { readMailbox, waitForMessage } from '../helpers/sequence';

const nodeClasses = {
	[MANUAL_TRIGGER]: ManualTrigger,
	[SEQUENCE_TYPE]: SmtpSequence,
};

const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const steps = {
	step: [
		{ subject: '={Hi|Hello} {{ $json.firstName }}', text: '=Hello {{ $json.firstName }} at {{ $json.company }}', waitAmount: 2, waitUnit: 'days', replyInThread: true },
		{ subject: '', text: '=Following up, {{ $json.firstName }}.', waitAmount: 3, waitUnit: 'businessDays', replyInThread: true },
	],
};

beforeAll(() => resetMailboxes('u20', 'erin', 'frank', 'grace'));

describe('SMTP Sequence in the n8n-core engine', () => {
	it('Preview: evaluates expressions per item; a missing variable fails only that item (continueOnFail)', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow(
				{ operation: 'preview', sequenceKey: `wf-preview-${Date.now()}`, email: '={{ $json.email }}', steps, window: openWindow },
				{ continueOnFail: true },
			),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor('u20') },
			input: [
				{ json: { email: 'erin@example.test', firstName: 'Erin', company: 'Acme' } },
				{ json: { email: 'frank@example.test', firstName: 'Frank' } },
				{ json: { email: 'not an address' } },
			],
		});
		expect(result.error).toBeUndefined();
		const items = result.output('SMTP Sequence');
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(items[0].json).toMatchObject({ status: 'due', step: 1, text: 'Hello Erin at Acme', subject: expect.stringMatching(/^(Hi|Hello) Erin$/) });
		expect((items[0].json.steps as unknown[]).length).toBe(2);
		expect(items[1].json).toMatchObject({ status: 'failed', error: { code: 'MISSING_VARIABLE', temporary: false } });
		expect(String((items[1].json.error as { message: string }).message)).toContain('{{ $json.company }}');
		expect(items[2].json).toMatchObject({ email: 'not an address', status: 'failed', error: { code: 'INVALID_ADDRESS' } });
		// an item that failed validation carries the same fields as the others (one shape for a CRM write-back)
		expect(Object.keys(items[2].json).sort()).toEqual(Object.keys(items[1].json).sort());
		expect(await readMailbox('erin')).toEqual([]);
	});

	it('Preview without continueOnFail: a bad item comes out with its error and the others are still previewed (issue 14 point 3)', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({ operation: 'preview', sequenceKey: 'wf-strict', email: '={{ $json.email }}', steps, window: openWindow }),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor('u20') },
			input: [{ json: { email: 'erin@example.test', firstName: 'Erin', company: 'Acme' } }, { json: { email: 'bad\r\nBcc: x@y.z' } }],
		});
		expect(result.error).toBeUndefined();
		const [good, bad] = result.output('SMTP Sequence');
		expect(good.json).toMatchObject({ status: 'due', step: 1, text: 'Hello Erin at Acme' });
		expect(bad.json).toMatchObject({ status: 'failed', error: { message: expect.stringMatching(/Prospect Email/) } });
	});

	it('Send Due Steps: sends step 1, and the next execution knows it from the mailbox', async () => {
		const key = `wf-send-${Date.now()}`;
		const parameters = {
			operation: 'send',
			sequenceKey: key,
			email: '={{ $json.email }}',
			name: '={{ $json.firstName }}',
			steps,
			window: openWindow,
			pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
		};
		const input = [
			{ json: { email: 'grace@example.test', firstName: 'Grace', company: 'Hooli' } },
			{ json: { email: 'frank@example.test', firstName: 'Frank', company: 'Initech' } },
		];
		const first = await runWorkflow({ workflow: sequenceWorkflow(parameters), nodeClasses, credentials: { outreachMailboxApi: credentialFor('u20') }, input });
		expect(first.error).toBeUndefined();
		const sent = first.output('SMTP Sequence');
		expect(sent.map((i) => [i.json.status, i.json.step])).toEqual([['sent', 1], ['sent', 1]]);
		const id = sequenceMessageId(key, addressOf('grace'), 1, 'example.test');
		expect(sent[0].json).toMatchObject({ messageId: id, threadMessageId: id, smtpResponse: expect.stringMatching(/^250 /) });
		const received = await waitForMessage('grace', (m) => m.messageId === id);
		expect(received.headers).toMatch(/^To: Grace <grace@example\.test>/m);

		const second = await runWorkflow({ workflow: sequenceWorkflow(parameters), nodeClasses, credentials: { outreachMailboxApi: credentialFor('u20') }, input });
		expect(second.output('SMTP Sequence').map((i) => [i.json.status, i.json.step])).toEqual([['notDue', 2], ['notDue', 2]]);
	});
});
