/**
 * 10,000 input items through the SMTP Sequence node in n8n-core's engine (Preview, so nothing is sent):
 * one result per item, in order, `pairedItem` right, bad items failing alone under continueOnFail.
 * Its speed and memory are measured by `npm run bench:send`, not asserted here.
 */
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { credentialFor, resetMailboxes } from '../helpers/mailstack';

const workflow = sequenceWorkflow(
	{
		operation: 'preview',
		sequenceKey: 'ten-thousand',
		email: '={{ $json.email }}',
		steps: {
			step: [
				{ subject: '={Hi|Hello} {{ $json.name }}', text: '=Hello {{ $json.name }}', waitAmount: 2, waitUnit: 'businessDays' },
				{ subject: '', text: '=Following up, {{ $json.name }}', waitAmount: 3, waitUnit: 'days' },
			],
		},
	},
	{ continueOnFail: true },
);

beforeAll(() => resetMailboxes('u68'));

describe('SMTP Sequence with 10,000 items (n8n-core engine)', () => {
	it('returns one result per item, in order, with pairedItem; bad items fail alone', async () => {
		const input = Array.from({ length: 10_000 }, (_, i) => ({
			json: i % 1000 === 7 ? { email: `broken ${i}` } : i % 1000 === 8 ? { email: `p${i}@example.org` } : { email: `p${i}@example.org`, name: `P${i}` },
		}));
		const result = await runWorkflow({
			workflow,
			nodeClasses: { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence },
			credentials: { outreachMailboxApi: credentialFor('u68') },
			input,
		});
		expect(result.error).toBeUndefined();
		const items = result.output('SMTP Sequence');
		expect(items).toHaveLength(10_000);
		items.forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));
		const failed = items.filter((item) => item.json.status === 'failed');
		expect(failed.map((item) => (item.json.error as { code: string }).code).sort()).toEqual([
			...Array(10).fill('INVALID_ADDRESS'),
			...Array(10).fill('MISSING_VARIABLE'),
		]);
		expect(items[0].json).toMatchObject({ email: 'p0@example.org', step: 1, text: 'Hello P0' });
		// the default window (Mon–Fri 09:00–17:00) is open or not right now: either way, the same for all
		const statuses = new Set(items.filter((i) => i.json.status !== 'failed').map((i) => String(i.json.status)));
		expect(statuses.size).toBe(1);
		expect(['due', 'outsideWindow']).toContain([...statuses][0]);
		expect(items[1].json.steps).toHaveLength(2);
	}, 300_000);
});
