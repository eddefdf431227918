/**
 * Issue 14, point 3: "Preview checks only the next step." Preview renders every step for every prospect
 * (variables resolved, spintax as it will go out), fails per item — a broken template in one prospect's
 * step 3 does not hide the others — and leads with what the next email says and when. n8n-core's engine
 * on the real mail stack, Continue On Fail off (n8n's default).
 */
import type { IDataObject } from 'n8n-workflow';
import { SmtpSequence } from '../../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../../harness/manual-trigger';
import { SEQUENCE_NODE, SEQUENCE_TYPE, sequenceWorkflow } from '../../harness/sequence-workflow';
import { addressOf, credentialFor, resetMailboxes } from '../../helpers/mailstack';
import { readMailbox } from '../../helpers/sequence';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const mailbox = { outreachMailboxApi: credentialFor('u236') };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const steps = {
	step: [
		{ subject: '={Quick question|Question} for {{ $json.company }}', text: '=Hi {{ $json.firstName }}, a short note.' },
		{ subject: '', text: '={{ $json.firstName }}, following up.', waitAmount: 2, waitUnit: 'days' },
		{ subject: '', text: '=Last note, {{ $json.firstName }} {{ $json.lastName }}.', waitAmount: 3, waitUnit: 'days' },
	],
};
const parameters = (key: string, extra: IDataObject = {}) => ({
	operation: 'preview',
	sequenceKey: key,
	steps,
	window: openWindow,
	pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
	...extra,
});
/** `steps` of a Preview item. */
const stepsOf = (json: IDataObject) => json.steps as IDataObject[];
const LOCAL_TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(UTC\)$/;

beforeAll(() => resetMailboxes('u236', 'u237'));

describe('issue 14 point 3: Preview shows every step for every prospect', () => {
	it('renders every step with its variables and date, and leads with what the next email says and when', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow(parameters(`preview-all-${Date.now()}`)),
			nodeClasses,
			credentials: mailbox,
			input: [{ json: { email: 'ann@example.test', firstName: 'Ann', lastName: 'Lee', company: 'Acme' } }],
		});
		expect(result.error).toBeUndefined();
		const [ann] = result.output(SEQUENCE_NODE);
		expect(Object.keys(ann.json).slice(0, 6)).toEqual(['email', 'status', 'step', 'when', 'subject', 'text']);
		expect(ann.json).toMatchObject({ email: 'ann@example.test', status: 'due', step: 1, when: 'now', text: 'Hi Ann, a short note.' });
		const subject = String(ann.json.subject);
		expect(subject).toMatch(/^(Quick question|Question) for Acme$/);
		const [first, second, third] = stepsOf(ann.json);
		expect(first).toMatchObject({ step: 1, status: 'due', when: 'now', subject, text: 'Hi Ann, a short note.', error: null });
		// a blank follow-up subject answers step 1 as Preview rendered it, before step 1 was ever sent
		expect(second).toMatchObject({ step: 2, status: 'planned', subject: `Re: ${subject}`, text: 'Ann, following up.', error: null });
		expect(third).toMatchObject({ step: 3, status: 'planned', subject: `Re: ${subject}`, text: 'Last note, Ann Lee.', error: null });
		expect(second.when).toMatch(LOCAL_TIME);
		expect(Date.parse(String(third.at)) - Date.parse(String(second.at))).toBe(3 * 24 * 3600_000);
		expect(await readMailbox('u236', 'Sent')).toEqual([]);
	});

	it('a variable missing only in step 3 fails that prospect, naming step and variable, and the next prospect is still previewed', async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow(parameters(`preview-per-item-${Date.now()}`)),
			nodeClasses,
			credentials: mailbox,
			input: [
				{ json: { email: 'bob@example.test', firstName: 'Bob', company: 'Initech' } },
				{ json: { email: 'cid@example.test', firstName: 'Cid', lastName: 'Roe', company: 'Hooli' } },
			],
		});
		expect(result.error).toBeUndefined();
		const [bob, cid] = result.output(SEQUENCE_NODE);
		expect(bob.json).toMatchObject({
			status: 'failed',
			step: 3,
			error: { code: 'MISSING_VARIABLE', message: expect.stringMatching(/^Step 3 text body: \{\{ \$json\.lastName \}\} has no value for this prospect/) },
		});
		// what Bob's earlier steps say is still shown, and the next email leads the item
		expect(bob.json.text).toBe('Hi Bob, a short note.');
		expect(stepsOf(bob.json).map((s) => [s.step, s.text, (s.error as IDataObject | null)?.code ?? null])).toEqual([
			[1, 'Hi Bob, a short note.', null],
			[2, 'Bob, following up.', null],
			[3, null, 'MISSING_VARIABLE'],
		]);
		expect(cid.json).toMatchObject({ status: 'due', step: 1, text: 'Hi Cid, a short note.' });
		expect(stepsOf(cid.json)).toHaveLength(3);
	});

	it('a prospect past step 1 shows step 1 as sent and the next step with its date; a template broken since still shows on the sent step', async () => {
		const key = `preview-past-${Date.now()}`;
		const prospect = { json: { email: addressOf('u237'), firstName: 'Uma', lastName: 'Hart', company: 'Globex' } };
		const sent = await runWorkflow({ workflow: sequenceWorkflow(parameters(key, { operation: 'send' })), nodeClasses, credentials: mailbox, input: [prospect] });
		expect(sent.output(SEQUENCE_NODE)[0].json.status).toBe('sent');
		const sentSubject = String(sent.output(SEQUENCE_NODE)[0].json.subject);

		// step 1 now reads {{ $json.title }}, which no prospect has: the prospects past step 1 still show it
		const broken = { step: [{ ...steps.step[0], text: '=Hi {{ $json.title }} {{ $json.lastName }}.' }, ...steps.step.slice(1)] };
		const result = await runWorkflow({
			workflow: sequenceWorkflow(parameters(key, { steps: broken })),
			nodeClasses,
			credentials: mailbox,
			input: [prospect],
		});
		expect(result.error).toBeUndefined();
		const [uma] = result.output(SEQUENCE_NODE);
		expect(uma.json).toMatchObject({ status: 'notDue', step: 2, subject: `Re: ${sentSubject}`, text: 'Uma, following up.' });
		expect(uma.json.when).toMatch(LOCAL_TIME);
		const [first, second, third] = stepsOf(uma.json);
		expect(first).toMatchObject({ step: 1, status: 'sent', subject: null, error: { code: 'MISSING_VARIABLE' } });
		expect(first.when).toMatch(LOCAL_TIME);
		expect(second).toMatchObject({ step: 2, status: 'planned', when: uma.json.when, error: null });
		expect(third).toMatchObject({ step: 3, status: 'planned', text: 'Last note, Uma Hart.' });
	});

	it('outside the sending window the item says when the step goes out, not only "outsideWindow"', async () => {
		const now = new Date();
		// a window of one hour that is not the current one (UTC): closed now whatever the time
		const hour = (now.getUTCHours() + 2) % 24;
		const from = `${String(hour).padStart(2, '0')}:00`;
		const to = `${String(hour + 1).padStart(2, '0')}:00`;
		const result = await runWorkflow({
			workflow: sequenceWorkflow(parameters(`preview-window-${Date.now()}`, { window: { ...openWindow, from, to } })),
			nodeClasses,
			credentials: mailbox,
			input: [{ json: { email: 'dee@example.test', firstName: 'Dee', lastName: 'Fox', company: 'Umbrella' } }],
		});
		const [dee] = result.output(SEQUENCE_NODE);
		expect(dee.json.status).toBe('outsideWindow');
		expect(dee.json.when).toMatch(LOCAL_TIME);
		expect(String(dee.json.when).slice(11, 16)).toBe(from);
		expect(stepsOf(dee.json)[0]).toMatchObject({ step: 1, status: 'planned', when: dee.json.when, text: 'Hi Dee, a short note.' });
	});
});
