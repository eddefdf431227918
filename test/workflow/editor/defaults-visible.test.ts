/**
 * Issue 14, point 2: "Active defaults are invisible". The node states the defaults in force before the
 * user opens a collection (a notice), the time zone list starts with the workflow's zone, and every item
 * names the window and time zone it was decided in. Preview in n8n-core's engine (nothing is sent).
 */
import type { ILoadOptionsFunctions, INodeProperties } from 'n8n-workflow';
import { SmtpSequence } from '../../../nodes/SmtpSequence/SmtpSequence.node';
import { getProspectTimeZones, getTimeZones } from '../../../nodes/SmtpSequence/actions/load-options';
import { runWorkflow } from '../../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../../harness/manual-trigger';
import { SEQUENCE_NODE, SEQUENCE_TYPE, sequenceWorkflow } from '../../harness/sequence-workflow';
import { credentialFor, resetMailboxes } from '../../helpers/mailstack';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const steps = { step: [{ subject: 'Hello', text: 'Hi there', waitAmount: 0, waitUnit: 'days' }] };

beforeAll(() => resetMailboxes('u146'));

describe('issue 14 point 2: effective defaults visible', () => {
	const properties = new SmtpSequence().description.properties;

	it('a notice above the collections states the window, its time zone, pacing, limits and stop rules in force', () => {
		const names = properties.map((p) => p.name);
		const notice = properties.find((p) => p.type === 'notice' && names.indexOf(p.name) < names.indexOf('window')) as INodeProperties;
		expect(notice).toBeDefined();
		for (const fact of ['Monday–Friday 09:00–17:00', "workflow's time zone", 'America/New_York', '60–180 s', '10 per run', '50 a day', 'reply, bounce or unsubscribe']) {
			expect(notice.displayName).toContain(fact);
		}
	});

	it("the Time Zone list starts with the workflow's zone and offers every IANA zone by name", async () => {
		// the method reads only getTimezone(); a partial context cast once is enough for it
		const context = { getTimezone: () => 'America/New_York' } as unknown as ILoadOptionsFunctions;
		const options = await getTimeZones.call(context);
		expect(options[0]).toEqual({ name: expect.stringContaining("Workflow's Time Zone"), value: '' });
		expect(options[0].name).toContain('America/New_York');
		expect(options).toContainEqual({ name: 'Europe/Paris', value: 'Europe/Paris' });
		expect(options).toContainEqual({ name: 'America/New York', value: 'America/New_York' });
	});

	it("without a Sending Window every item names the default window in the workflow's time zone (n8n's default America/New_York)", async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({ operation: 'preview', sequenceKey: `defaults-${Date.now()}`, steps }),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor('u146') },
			input: [{ json: { email: 'someone@example.test' } }, { json: { email: 'paris@example.test', tz: 'Europe/Paris' } }],
		});
		expect(result.error).toBeUndefined();
		const [plain, paris] = result.output(SEQUENCE_NODE);
		expect(plain.json.sendingWindow).toBe("Mon–Fri 09:00–17:00 America/New_York (the workflow's time zone)");
		expect(['due', 'outsideWindow']).toContain(plain.json.status);
		if (plain.json.status === 'outsideWindow') expect(plain.json.reason).toMatch(/ \(America\/New_York\)$/);
		expect(paris.json.sendingWindow).toBe("Mon–Fri 09:00–17:00 America/New_York (the workflow's time zone)");
	});

	it("with a prospect time zone, the item names the prospect's zone", async () => {
		const result = await runWorkflow({
			workflow: sequenceWorkflow({
				operation: 'preview',
				sequenceKey: `defaults-tz-${Date.now()}`,
				steps,
				timeZone: '={{ $json.tz }}',
				window: { days: [1, 2, 3, 4, 5, 6, 7], from: '08:00', to: '18:00' },
			}),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor('u146') },
			input: [{ json: { email: 'paris@example.test', tz: 'Europe/Paris' } }],
		});
		expect(result.output(SEQUENCE_NODE)[0].json.sendingWindow).toBe("every day 08:00–18:00 Europe/Paris (the prospect's time zone)");
	});

	it('Prospect Time Zone is a list like the window\'s (none first, every IANA zone), and an expression per item still works', async () => {
		const field = properties.find((p) => p.name === 'timeZone') as INodeProperties;
		expect(field).toMatchObject({ type: 'options', default: '', typeOptions: { loadOptionsMethod: 'getProspectTimeZones' } });
		// the method reads nothing from its context
		const options = await getProspectTimeZones.call({} as ILoadOptionsFunctions);
		expect(options[0]).toEqual({ name: "None (the Sending Window's Time Zone)", value: '' });
		expect(options).toContainEqual({ name: 'Europe/Paris', value: 'Europe/Paris' });
		const result = await runWorkflow({
			workflow: sequenceWorkflow({ operation: 'preview', sequenceKey: `defaults-tz-list-${Date.now()}`, steps, timeZone: 'Asia/Tokyo' }),
			nodeClasses,
			credentials: { outreachMailboxApi: credentialFor('u146') },
			input: [{ json: { email: 'tokyo@example.test' } }],
		});
		expect(result.output(SEQUENCE_NODE)[0].json.sendingWindow).toBe("Mon–Fri 09:00–17:00 Asia/Tokyo (the prospect's time zone)");
	});
});
