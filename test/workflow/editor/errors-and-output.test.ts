/**
 * Issue 14, points 7 and 8: an item's error names the prospect and the field to map (an empty Prospect
 * Email passes n8n's required check), and a send's output shows what was sent. n8n-core's engine on the
 * real mail stack.
 */
import { SmtpSequence } from '../../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../../harness/manual-trigger';
import { SEQUENCE_NODE, SEQUENCE_TYPE, sequenceWorkflow } from '../../harness/sequence-workflow';
import { credentialFor, resetMailboxes } from '../../helpers/mailstack';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const steps = { step: [{ subject: '={Hi|Hi} {{ $json.firstName }}', text: '=Hello {{ $json.firstName }}, a short note.', waitAmount: 2, waitUnit: 'days' }] };
const mailbox = { outreachMailboxApi: credentialFor('u144') };

beforeAll(() => resetMailboxes('u144', 'u145'));

describe('issue 14 point 7: errors name the prospect and say which field to map', () => {
	it('an empty Prospect Email names the prospect, the mapping and the fields the item has', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({ operation: 'preview', sequenceKey: 'errors-empty', steps, window: openWindow }, { continueOnFail: true }),
			nodeClasses,
			credentials: mailbox,
			// the sheet calls the column "mail", so {{ $json.email }} is empty
			input: [{ json: { firstName: 'Jane', lastName: 'Doe', mail: 'jane@example.test' } }],
		});
		const [item] = result.output(SEQUENCE_NODE);
		expect(item.json.error).toMatchObject({
			code: 'INVALID_ADDRESS',
			message: 'Prospect Email is empty for prospect "Jane Doe" (mapped to {{ $json.email }}): map the input field that holds the address, e.g. {{ $json.email }}.',
		});
	});

	it('without Continue On Fail the error panel lists the item\'s fields', async () => {
		const result = await runWorkflow({
			// Send Due Steps: Preview shows a bad item as an item (issue 14 point 3) instead of failing the node
			workflow: sequenceWorkflow({ operation: 'send', sequenceKey: 'errors-empty-strict', steps, window: openWindow }),
			nodeClasses,
			credentials: mailbox,
			input: [{ json: { firstName: 'Jane', lastName: 'Doe', mail: 'jane@example.test' } }],
		});
		expect(result.error?.message).toMatch(/^Prospect Email is empty for prospect "Jane Doe"/);
		expect((result.error as { description?: string } | undefined)?.description).toBe("This item's fields: firstName, lastName, mail.");
	});

	it('a time zone error names the prospect and suggests the zone', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow(
				{ operation: 'preview', sequenceKey: 'errors-tz', steps, window: openWindow, name: '={{ $json.firstName }}', timeZone: '={{ $json.tz }}' },
				{ continueOnFail: true },
			),
			nodeClasses,
			credentials: mailbox,
			input: [{ json: { email: 'jean@example.test', firstName: 'Jean', tz: 'Paris' } }],
		});
		expect(result.output(SEQUENCE_NODE)[0].json.error).toMatchObject({
			code: 'INVALID_TIMEZONE',
			message: 'Prospect "Jean": Prospect Time Zone "Paris" is not an IANA time zone: did you mean "Europe/Paris"?',
		});
	});
});

describe('issue 14 point 8: the send output shows what was sent', () => {
	it('a sent item carries the subject and the text as they went out (footer included)', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({
				operation: 'send',
				sequenceKey: `sent-output-${Date.now()}`,
				steps,
				window: openWindow,
				messageOptions: { unsubscribeFooter: 'Reply "stop" to opt out.' },
			}),
			nodeClasses,
			credentials: mailbox,
			input: [{ json: { email: 'u145@example.test', firstName: 'Ula' } }],
		});
		expect(result.error).toBeUndefined();
		const [item] = result.output(SEQUENCE_NODE);
		expect(item.json).toMatchObject({ status: 'sent', subject: 'Hi Ula', html: null });
		expect(item.json.text).toMatch(/^Hello Ula, a short note\.[\s\S]*Reply "stop" to opt out\.$/);
	});
});
