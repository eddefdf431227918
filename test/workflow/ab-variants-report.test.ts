/**
 * A/B variants and the Report operation through the SMTP Sequence node in n8n-core's engine, on the real
 * mail stack: parameters as a workflow gives them, items as the next node sees them. Users u208 (sender)
 * and u209 (prospects, plus-addressed) belong to this file.
 */
import { variantOf } from '../../core/sequence/variants';
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { credentialFor, resetMailboxes, stack } from '../helpers/mailstack';
import { readMailbox, replyFrom } from '../helpers/sequence';
import { uniqueTag } from '../integration/trigger/trigger-fixtures';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const key = `ab-workflow-${uniqueTag()}`;
const prospects = Array.from({ length: 8 }, (_, i) => `u209+w${i + 1}@${stack.domain}`);
const stepsParameter = {
	step: [
		{ subject: 'A: idea for {{ $json.company }}', text: 'Hello from A', waitAmount: 0, waitUnit: 'minutes' },
		{ subject: '', text: 'Follow-up A', waitAmount: 0, waitUnit: 'minutes', variantChoice: 'follow' },
	],
};
const variantsParameter = {
	variant: [
		{ step: 1, subject: 'B: question for {{ $json.company }}', text: '' },
		{ step: 2, subject: '', text: 'Follow-up B' },
	],
};
const stepsForChoice = [{ variants: 2, variantChoice: 'follow' as const }, { variants: 2, variantChoice: 'follow' as const }];

function run(parameters: Record<string, unknown>, input: { json: Record<string, string> }[] = prospects.map((email, i) => ({ json: { email, company: `Co${i + 1}` } }))) {
	return runWorkflow({
		workflow: sequenceWorkflow({
			sequenceKey: key,
			email: '={{ $json.email }}',
			steps: stepsParameter,
			variants: variantsParameter,
			window: openWindow,
			pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
			...parameters,
		}),
		nodeClasses,
		credentials: { outreachMailboxApi: credentialFor('u208') },
		input,
	});
}

beforeAll(() => resetMailboxes('u208', 'u209'));

describe('A/B variants and Report in the SMTP Sequence node (n8n-core engine, real mail stack)', () => {
	it('sends each prospect its variant, previews the next one in the same track, and reports it with a PNG chart', async () => {
		const sent = await run({ operation: 'send' });
		expect(sent.error).toBeUndefined();
		const items = sent.output('SMTP Sequence').map((i) => i.json);
		expect(items.map((j) => j.status)).toEqual(prospects.map(() => 'sent'));
		for (const [i, item] of items.entries()) {
			const letter = variantOf(key, prospects[i], 1, stepsForChoice) === 0 ? 'A' : 'B';
			expect(item).toMatchObject({ step: 1, variant: letter, subject: `${letter}: ${letter === 'A' ? 'idea' : 'question'} for Co${i + 1}` });
			// a variant that leaves the body empty sends the step's own
			expect(item.text).toBe('Hello from A');
			expect(String(item.messageId)).toMatch(new RegExp(`^<sq\\.[0-9a-f]{12}\\.1${letter.toLowerCase()}\\.`));
		}

		const preview = await run({ operation: 'preview' });
		for (const [i, item] of preview.output('SMTP Sequence').map((x) => x.json).entries()) {
			expect(item).toMatchObject({ status: 'due', step: 2, variant: items[i].variant, text: `Follow-up ${String(items[i].variant)}` });
		}

		const first = String(items[0].messageId);
		await replyFrom('u209', `u208@${stack.domain}`, first, { subject: 'Re: idea', text: 'Yes, tell me more.' });
		for (let i = 0; i < 80 && !(await readMailbox('u208')).some((m) => m.subject === 'Re: idea'); i++) await new Promise((r) => setTimeout(r, 250));

		const report = await run({ operation: 'report', reportChart: true, reportTotalSteps: 2 }, [{ json: {} }]);
		expect(report.error).toBeUndefined();
		const rows = report.output('SMTP Sequence');
		const total = rows[rows.length - 1];
		const count = (letter: string) => items.filter((j) => j.variant === letter).length;
		expect(rows.slice(0, -1).map((r) => [r.json.step, r.json.variant, r.json.prospectsStarted])).toEqual(
			['A', 'B'].filter((l) => count(l) > 0).map((l) => [1, l, count(l)]),
		);
		expect(total.json).toMatchObject({ scope: 'total', sequenceKey: key, prospectsStarted: 8, emailsSent: 8, replies: 1, replyRatePercent: 12.5, active: 7, stopped: 1 });
		expect(rows.find((r) => r.json.variant === items[0].variant)?.json).toMatchObject({ replies: 1 });
		expect(total.binary?.chart).toMatchObject({ mimeType: 'image/png', fileExtension: 'png' });
		expect(total.pairedItem).toEqual({ item: 0 });
	});

	it('refuses a variant of a step the sequence does not have, naming the entry', async () => {
		const result = await run({ operation: 'preview', variants: { variant: [{ step: 3, subject: 'x', text: 'y' }] } });
		expect(result.error?.message).toBe('A/B Variants, entry 1: Step must be a step number from 1 to 2, got 3.');
	});
});
