/**
 * The demo prints its story once, live: a schedule that runs every 20 seconds must not print the same
 * "not due" or "stopped" line for a prospect on every run.
 */
import type { N8nExecution } from '../../../e2e/lib/n8n-server';
import { checkCrmRows, sequenceEvents, triggerItems } from '../../../scripts/lib/demo-timeline';

const NODE = 'SMTP Sequence';

function run(id: string, startedAt: string, items: Array<Record<string, unknown>>): N8nExecution {
	return {
		id,
		finished: true,
		mode: 'trigger',
		status: 'success',
		workflowId: 'wf',
		startedAt,
		stoppedAt: startedAt,
		data: { resultData: { runData: { [NODE]: [{ data: { main: [items.map((json) => ({ json }))] } }] } } },
	};
}

const notDue = { email: 'p2@example.test', status: 'notDue', step: 2, nextStepAt: '2026-01-01T10:01:05Z', stopReason: null };
const stopped = { email: 'p1@example.test', status: 'stopped', stopReason: 'replied', step: null, nextStepAt: null };

describe('demo timeline', () => {
	it('prints a prospect once per change of state, not once per scheduled run', () => {
		const runs = [
			run('1', '2026-01-01T10:00:00Z', [
				{ email: 'p1@example.test', status: 'sent', step: 1, sentAt: '2026-01-01T10:00:01Z' },
				{ email: 'p2@example.test', status: 'sent', step: 1, sentAt: '2026-01-01T10:00:02Z' },
			]),
			run('2', '2026-01-01T10:00:20Z', [stopped, notDue]),
			run('3', '2026-01-01T10:00:40Z', [stopped, notDue]),
			run('4', '2026-01-01T10:01:00Z', [stopped, notDue]),
			run('5', '2026-01-01T10:01:20Z', [stopped, { email: 'p2@example.test', status: 'sent', step: 2, sentAt: '2026-01-01T10:01:21Z' }]),
		];
		const lines = sequenceEvents(runs, NODE).map((e) => e.text);
		expect(lines).toEqual([
			'run #1  step 1 → p1@example.test (sent)',
			'run #1  step 1 → p2@example.test (sent)',
			'run #2  p1@example.test: stopped (replied), nothing more will be sent',
			expect.stringMatching(/^run #2 {2}p2@example\.test: step 2 not due until \d\d:\d\d:\d\d$/),
			'run #5  step 2 → p2@example.test (sent)',
		]);
	});

	it('prints a repeated status again when it says something new (a later step not due)', () => {
		const runs = [
			run('1', '2026-01-01T10:00:00Z', [notDue]),
			run('2', '2026-01-01T10:00:20Z', [{ ...notDue, step: 3, nextStepAt: '2026-01-02T10:00:00Z' }]),
		];
		expect(sequenceEvents(runs, NODE)).toHaveLength(2);
	});

	it('labels a trigger item with the status its Data table branch wrote into the row', () => {
		const execution: N8nExecution = {
			...run('7', '2026-01-01T10:00:00Z', []),
			data: {
				resultData: {
					runData: {
						'IMAP Reply Trigger': [{ data: { main: [[{ json: { class: 'reply', prospectEmail: 'p1@example.test', step: 1 } }]] } }],
						'Mark replied': [{ data: { main: [[{ json: { id: 3, email: 'p1@example.test', status: 'replied', step: 1 } }]] } }],
					},
				},
			},
		};
		expect(triggerItems(execution, 'IMAP Reply Trigger')).toEqual([expect.objectContaining({ class: 'reply', outcome: 'replied' })]);
	});

	it('checks the CRM rows after the story: replied, bounced, step 2', () => {
		const facts = { replier: 'p1@example.test', follower: 'p2@example.test', bouncing: 'nobody@example.test' };
		const good = [
			{ email: 'p1@example.test', status: 'replied', step: 1 },
			{ email: 'p2@example.test', status: 'sent', step: 2 },
			{ email: 'nobody@example.test', status: 'bounced', step: 1 },
		];
		expect(checkCrmRows(good, facts)).toEqual([]);
		expect(checkCrmRows([{ ...good[0], status: 'sent' }, { ...good[1], step: 1 }], facts)).toEqual([
			'the data table row of p1@example.test says status=sent step=1, expected status=replied step=1',
			'the data table has no row for nobody@example.test',
			'the data table row of p2@example.test says status=sent step=1, expected status=sent (or completed) step=2',
		]);
	});
});
