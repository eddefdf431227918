/**
 * Probe (prints, asserts nothing; not part of the e2e run): why the editor recipe's window "To" typed as
 * 24:00 sometimes ran as 17:00. For each trial it opens a new Preview workflow's SMTP Sequence node in
 * the editor, adds *Change Window → To (HH:MM)* (default 17:00), types a new time and clicks *Execute
 * step* at once, then reads which To the Preview ran with. OLD = select all, Delete, type (the helper
 * before 2026-12-02); NEW = type over the selection (typeIntoParameter now).
 *
 *   PROBE_TRIALS=5 npx jest -c e2e/jest.config.js --testMatch '<rootDir>/probes/*.probe.ts'
 *
 * Result and explanation: docs/e2e.md ("The window's To and n8n's input debounce").
 */
import * as path from 'node:path';
import { addressOf, credentialFor } from '../../test/helpers/mailstack';
import { addCollectionOption, asUiPage, clickVisible, executeAndRead, parameter, type UiPage } from '../lib/editor-ui';
import type { N8nServer } from '../lib/n8n-server';
import { screenshotPages } from '../lib/screenshot';
import { sharedServer } from '../lib/shared-server';

jest.setTimeout(1_800_000);
const TRIALS = Number(process.env.PROBE_TRIALS ?? 6);
let server: N8nServer;
let credentialId = '';
const NODE_ID = 'c0ffee00-0003-4c1e-9a51-5e2f00000003';

beforeAll(async () => {
	server = await sharedServer();
	credentialId = await server.createCredential('Probe mailbox', 'outreachMailboxApi', credentialFor('u241'));
});

/** A new workflow per trial: n8n autosaves, and locks a workflow a closed tab was editing for a while. */
async function newWorkflow(): Promise<string> {
	return server.createWorkflow({
		name: 'probe',
		nodes: [
			{ id: 'c0ffee00-0001-4c1e-9a51-5e2f00000001', name: 'Manual', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'c0ffee00-0002-4c1e-9a51-5e2f00000002',
				name: 'Code',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [240, 0],
				parameters: { jsCode: `return [{ json: { email: '${addressOf('u242')}', firstName: 'Ann' } }];` },
			},
			{
				id: NODE_ID,
				name: 'SMTP Sequence',
				type: 'n8n-nodes-smtp-sequence.smtpSequence',
				typeVersion: 1,
				position: [480, 0],
				parameters: {
					operation: 'preview',
					sequenceKey: 'probe',
					steps: { step: [{ subject: 'Hello', text: '=Hi {{ $json.firstName }}', waitAmount: 0, waitUnit: 'minutes', replyInThread: true }] },
					window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00' },
				},
				credentials: { outreachMailboxApi: { id: credentialId, name: 'Probe mailbox' } },
			},
		],
		connections: {
			Manual: { main: [[{ node: 'Code', type: 'main', index: 0 }]] },
			Code: { main: [[{ node: 'SMTP Sequence', type: 'main', index: 0 }]] },
		},
		settings: { executionOrder: 'v1' },
	});
}

async function typeOld(page: UiPage, name: string, value: string): Promise<void> {
	const field = parameter(page, name);
	await field.waitFor({ timeout: 60_000 });
	await field.click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.press('Delete');
	await page.keyboard.insertText(value);
	await clickVisible(page, '[data-test-id="tab-params"]');
}
async function typeNew(page: UiPage, name: string, value: string): Promise<void> {
	const field = parameter(page, name);
	await field.waitFor({ timeout: 60_000 });
	await field.click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.insertText(value);
	await clickVisible(page, '[data-test-id="tab-params"]');
}

it('probe', async () => {
	const results: string[] = [];
	const shots = [];
	for (let i = 0; i < TRIALS; i++) {
		for (const [label, type] of [['OLD', typeOld], ['NEW', typeNew]] as const) {
			const target = `23:${String(10 + i).padStart(2, '0')}`;
			const workflowId = await newWorkflow();
			shots.push({
				urlPath: `/workflow/${workflowId}/${NODE_ID}`,
				outFile: path.join('/tmp', `probe-${label}-${i}.png`),
				waitFor: '[data-test-id="parameter-input-from"]',
				prepare: async (p: Parameters<typeof asUiPage>[0]) => {
					const page = asUiPage(p);
					await addCollectionOption(page, 'Change Window', 'To (HH:MM)');
					const shown = await parameter(page, 'to').locator('input').inputValue();
					await type(page, 'to', target);
					const out = (await executeAndRead(page, /every day 00:00–\d\d:\d\d/)).text;
					const ran = /every day 00:00–(\d\d:\d\d)/.exec(out)?.[1];
					results.push(`${label} trial ${i}: field showed ${shown}, typed ${target}, Preview ran with ${String(ran)}`);
					console.log(results[results.length - 1]);
				},
			});
		}
	}
	await screenshotPages(server, shots);
	console.log(results.join('\n'));
});
