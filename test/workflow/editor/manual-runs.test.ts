/**
 * Issue 14, point 1: "Execute step looks frozen for minutes". A manual run from the editor (n8n's
 * execution mode `manual`) sends without the pacing pause and says so on every item and above the
 * output; a scheduled run (mode `trigger`) keeps pacing. Through n8n-core's engine, against the real
 * mail stack.
 */
import { SmtpSequence } from '../../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../../harness/manual-trigger';
import { SEQUENCE_NODE, SEQUENCE_TYPE, sequenceWorkflow } from '../../harness/sequence-workflow';
import { credentialFor, resetMailboxes } from '../../helpers/mailstack';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const steps = { step: [{ subject: 'Hello {{ $json.firstName }}', text: '=Hi {{ $json.firstName }}', waitAmount: 2, waitUnit: 'days' }] };
const mailbox = { outreachMailboxApi: credentialFor('u161') };
const prospects = (...users: string[]) => users.map((u) => ({ json: { email: `${u}@example.test`, firstName: u } }));

beforeAll(() => resetMailboxes('u161', 'u162', 'u163', 'u164', 'u165', 'u166', 'u167'));

function sentAtGapMs(items: { json: Record<string, unknown> }[]): number {
	const [a, b] = items.map((i) => Date.parse(String(i.json.sentAt)));
	return Math.abs(b - a);
}

describe('issue 14 point 1: manual runs from the editor do not pace like production runs', () => {
	it('Execute step with the default pacing (60–180 s): both prospects are sent without the pause, and the output says so', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({ operation: 'send', sequenceKey: `manual-pacing-${Date.now()}`, steps, window: openWindow }),
			nodeClasses,
			credentials: mailbox,
			input: prospects('u162', 'u163'),
			mode: 'manual',
		});
		expect(result.error).toBeUndefined();
		const items = result.output(SEQUENCE_NODE);
		expect(items.map((i) => i.json.status)).toEqual(['sent', 'sent']);
		// the rule: no pacing pause (the default minimum is 60 s) between the two sends
		expect(sentAtGapMs(items)).toBeLessThan(60_000);
		for (const item of items) expect(item.json.note).toMatch(/^Manual run from the editor: emails were sent without the 60–180 s pause/);
		const hints = result.run.data.resultData.runData[SEQUENCE_NODE][0].hints ?? [];
		expect(hints.map((h) => h.message)).toEqual([expect.stringContaining('Pace Manual Runs')]);
	});

	it('a scheduled run (execution mode "trigger") keeps the pause and adds no note', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({
				operation: 'send',
				sequenceKey: `trigger-pacing-${Date.now()}`,
				steps,
				window: openWindow,
				pacing: { minDelaySeconds: 1, maxDelaySeconds: 1 },
			}),
			nodeClasses,
			credentials: mailbox,
			input: prospects('u164', 'u165'),
			mode: 'trigger',
		});
		expect(result.error).toBeUndefined();
		const items = result.output(SEQUENCE_NODE);
		expect(items.map((i) => i.json.status)).toEqual(['sent', 'sent']);
		expect(sentAtGapMs(items)).toBeGreaterThanOrEqual(1000);
		expect(items[0].json).not.toHaveProperty('note');
	});

	it('Pace Manual Runs on: a manual run pauses like a scheduled one', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({
				operation: 'send',
				sequenceKey: `paced-manual-${Date.now()}`,
				steps,
				window: openWindow,
				pacing: { minDelaySeconds: 1, maxDelaySeconds: 1, paceManualRuns: true },
			}),
			nodeClasses,
			credentials: mailbox,
			input: prospects('u166', 'u167'),
			mode: 'manual',
		});
		const items = result.output(SEQUENCE_NODE);
		expect(items.map((i) => i.json.status)).toEqual(['sent', 'sent']);
		expect(sentAtGapMs(items)).toBeGreaterThanOrEqual(1000);
		expect(items[0].json).not.toHaveProperty('note');
	});
});
