/**
 * The guarantees under real conditions (issue 8), the scenarios that live in the node itself: through
 * the SMTP Sequence node in n8n-core's engine and the real mail stack. Users u96 (sender) and u97
 * (prospects, as u97+tag@) belong to this file.
 */
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_NODE, SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { credentialFor, resetMailboxes, stack } from '../helpers/mailstack';
import { readMailbox, waitForMessage } from '../helpers/sequence';
import { dovecotSessions, settlesToZero } from '../helpers/sockets';
import { sequenceHash as sequenceHashOf } from '../../core/mail/message-id';
import { uniqueTag } from '../integration/trigger/trigger-fixtures';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const SENDER = 'u96';
/** A prospect address that lands in u97's inbox. */
const prospect = (tag: string) => `u97+${tag}@${stack.domain}`;

beforeAll(() => resetMailboxes(SENDER, 'u97'));

/** The unfolded value of one header in a raw header block. */
function headerValue(headers: string, name: string): string | undefined {
	const unfolded = headers.replace(/\r\n[ \t]+/g, ' ');
	const line = unfolded.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
	return line?.slice(name.length + 1).trim();
}

describe('scenario 9: per-prospect message options', () => {
	it('scenario 9: two prospects each get their own List-Unsubscribe URL, footer, Reply-To and From name', async () => {
		const tag = uniqueTag();
		const subject = `Options ${tag}`;
		const people = [
			{ email: prospect(`a${tag}`), owner: 'Ann', team: 'sales-a' },
			{ email: prospect(`b${tag}`), owner: 'Bob', team: 'sales-b' },
		];
		const result = await runWorkflow({
			workflow: sequenceWorkflow({
				operation: 'send',
				sequenceKey: `per-item-options-${tag}`,
				email: '={{ $json.email }}',
				steps: { step: [{ subject, text: 'Hello', waitAmount: 0, waitUnit: 'days' }] },
				window: openWindow,
				pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
				messageOptions: {
					unsubscribeUrl: '=https://acme.test/unsubscribe?e={{ encodeURIComponent($json.email) }}',
					unsubscribeMailto: '=optout+{{ $json.team }}@acme.test',
					unsubscribeFooter: '=Not for you, {{ $json.owner }}? Reply "stop".',
					replyTo: '={{ $json.team }}@acme.test',
					fromName: '={{ $json.owner }} at Acme',
				},
			}),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor(SENDER) },
			input: people.map((json) => ({ json })),
		});
		expect(result.error).toBeUndefined();
		expect(result.output(SEQUENCE_NODE).map((item) => item.json.status)).toEqual(['sent', 'sent']);
		const received = await Promise.all(people.map(async (p) => ({ p, m: await waitForMessage('u97', (m) => m.subject === subject && m.headers.includes(p.email)) })));
		for (const { p, m } of received) {
			expect(headerValue(m.headers, 'List-Unsubscribe')).toBe(`<mailto:optout+${p.team}@acme.test?subject=unsubscribe>, <https://acme.test/unsubscribe?e=${encodeURIComponent(p.email)}>`);
			expect(headerValue(m.headers, 'Reply-To')).toBe(`${p.team}@acme.test`);
			expect(headerValue(m.headers, 'From')).toBe(`${p.owner} at Acme <${SENDER}@${stack.domain}>`);
			expect(m.source).toContain(`Not for you, ${p.owner}? Reply "stop".`);
		}
	});

	it('scenario 9: a bad per-prospect option fails only that item when Continue On Fail is on', async () => {
		const tag = uniqueTag();
		const subject = `Bad option ${tag}`;
		const result = await runWorkflow({
			workflow: sequenceWorkflow(
				{
					operation: 'send',
					sequenceKey: `per-item-bad-${tag}`,
					email: '={{ $json.email }}',
					steps: { step: [{ subject, text: 'Hello', waitAmount: 0, waitUnit: 'days' }] },
					window: openWindow,
					pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
					messageOptions: { replyTo: '={{ $json.replyTo }}' },
				},
				{ continueOnFail: true },
			),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor(SENDER) },
			input: [{ json: { email: prospect(`c${tag}`), replyTo: 'not an address' } }, { json: { email: prospect(`d${tag}`), replyTo: 'desk@acme.test' } }],
		});
		expect(result.error).toBeUndefined();
		const items = result.output(SEQUENCE_NODE).map((item) => item.json);
		expect(items.map((j) => j.status)).toEqual(['failed', 'sent']);
		expect(String(items[0].reason)).toMatch(/Reply-To/);
		await waitForMessage('u97', (m) => m.subject === subject);
		expect((await readMailbox('u97')).filter((m) => m.subject === subject)).toHaveLength(1);
	});
});

describe('scenario 7: a bad wait value is refused when the parameters are read', () => {
	const twoSteps = (subject: string, waitAmount: number | string) => ({
		step: [
			{ subject, text: 'Hello', waitAmount: 0, waitUnit: 'days' },
			{ subject: '', text: 'Following up', waitAmount, waitUnit: 'days' },
		],
	});
	const run = (subject: string, waitAmount: number | string, continueOnFail: boolean) =>
		runWorkflow({
			workflow: sequenceWorkflow(
				{
					operation: 'send',
					sequenceKey: `bad-wait-${uniqueTag()}`,
					email: '={{ $json.email }}',
					steps: twoSteps(subject, waitAmount),
					window: openWindow,
					pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
				},
				{ continueOnFail },
			),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor(SENDER) },
			input: [{ json: { email: prospect(`e${uniqueTag()}`) } }, { json: { email: prospect(`f${uniqueTag()}`) } }],
		});

	it('scenario 7: a wait of 1.5 days fails the node before anything is sent, with a message naming the step', async () => {
		const subject = `Half day ${uniqueTag()}`;
		const result = await run(subject, 1.5, false);
		expect(result.error?.message).toBe('Step 2: Wait Before This Step is 1.5 days; expected a whole number of at least 0');
		expect((result.error as { description?: string } | undefined)?.description).toBe('Use whole days, or hours for part of a day (1.5 days = 36 hours).');
		expect((await readMailbox('u97')).filter((m) => m.subject === subject)).toEqual([]);
	});

	it('scenario 7: with Continue On Fail every item fails with that message and nothing is sent', async () => {
		const subject = `Half day cof ${uniqueTag()}`;
		const result = await run(subject, '=1.5', true);
		expect(result.error).toBeUndefined();
		const items = result.output(SEQUENCE_NODE).map((item) => item.json);
		expect(items.map((j) => [j.status, j.reason])).toEqual([
			['failed', 'Step 2: Wait Before This Step is 1.5 days; expected a whole number of at least 0'],
			['failed', 'Step 2: Wait Before This Step is 1.5 days; expected a whole number of at least 0'],
		]);
		expect((await readMailbox('u97')).filter((m) => m.subject === subject)).toEqual([]);
	});
});

describe('scenario 8: stopping the execution stops sending', () => {
	it('scenario 8: an execution stopped during the pacing pause sends nothing more and leaves no claim in Sent', async () => {
		const tag = uniqueTag();
		const subject = `Stop ${tag}`;
		const key = `cancel-${tag}`;
		const people = ['g', 'h', 'i'].map((p) => ({ email: prospect(`${p}${tag}`) }));
		let stopped: Promise<void> | undefined;
		const result = await runWorkflow({
			workflow: sequenceWorkflow({
				operation: 'send',
				sequenceKey: key,
				email: '={{ $json.email }}',
				steps: { step: [{ subject, text: 'Hello', waitAmount: 0, waitUnit: 'days' }] },
				window: openWindow,
				pacing: { minDelaySeconds: 5, maxDelaySeconds: 5 },
			}),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor(SENDER) },
			input: people.map((json) => ({ json })),
			// a production run (a manual one from the editor does not pace)
			mode: 'trigger',
			onStart: (execution) => {
				// stop it (as the editor's Stop button does) once the first email arrived: the run is pacing
				stopped = waitForMessage('u97', (m) => m.subject === subject, 'INBOX', 60_000).then(() => execution.cancel());
			},
		});
		await stopped;
		expect(result.run.status).toBe('canceled');
		expect(await settlesToZero(() => dovecotSessions(SENDER))).toBe(0);
		const received = (await readMailbox('u97')).filter((m) => m.subject === subject);
		expect(received.map((m) => m.headers.includes(people[0].email))).toEqual([true]);
		const hash = sequenceHashOf(key);
		expect((await readMailbox(SENDER, 'Sent')).filter((m) => m.messageId.startsWith(`<sq.${hash}.`))).toHaveLength(1);
	});
});
