/**
 * A/B variants and the Report operation inside a real n8n 2.41 server (the shared one) with the packed
 * package, against the real Postfix + Dovecot:
 *
 *   Schedule Trigger → Code (prospects) → SMTP Sequence (2 steps, A/B variants)   run as "Execute workflow"
 *   Schedule Trigger → SMTP Sequence (Report, chart)                             run as "Execute workflow"
 *
 * The story per variant is scripted: replies, an unsubscribe and an auto-reply from the prospects'
 * mailbox over SMTP, and a real DSN from Postfix for an unknown address. The report's items must count
 * exactly that, and the totals item must carry the PNG chart, which is screenshotted in n8n's output
 * panel. u210 sends, u211 is the prospects' mailbox (plus-addressed).
 */
import * as path from 'node:path';
import { variantName } from '../core/mail/message-id';
import { stepMessageId, variantOf, type StepVariants } from '../core/sequence/variants';
import { addressOf, credentialFor, resetMailboxes, stack } from '../test/helpers/mailstack';
import { replyFrom, waitForMessage } from '../test/helpers/sequence';
import type { N8nExecution, N8nServer, WorkflowJson } from './lib/n8n-server';
import { TYPES } from './lib/package-tarball';
import { screenshotPages, type PwFrame } from './lib/screenshot';
import { sharedServer } from './lib/shared-server';
import { loadWorkflow, nodeId, nodeItems } from './lib/workflows';

/** As in outreach.test.ts: an ignored folder unless `E2E_SCREENSHOT_DIR=docs/screenshots`. */
const SCREENSHOTS = path.resolve(__dirname, '..', process.env.E2E_SCREENSHOT_DIR ?? path.join('.runtime', 'e2e-screenshots'));
const SENDER = 'u210';
const PROSPECT_BOX = 'u211';
const SEQUENCE_NODE = 'SMTP Sequence';
const REPORT_NODE = 'Sequence Report';
/** The node's two steps, both with two variants, step 2 following step 1 (as in the fixture). */
const STEPS: StepVariants[] = [{ variants: 2, variantChoice: 'follow' }, { variants: 2, variantChoice: 'follow' }];

type Event = 'reply' | 'unsubscribe' | 'autoReply' | 'none';
const sequenceKey = `ab-e2e-${Date.now().toString(36)}`;
const script: Event[] = ['reply', 'reply', 'unsubscribe', 'autoReply', 'none', 'none', 'none', 'none'];
const prospects = script.map((_, i) => ({ email: `${PROSPECT_BOX}+e${i + 1}@${stack.domain}`, firstName: `P${i + 1}`, company: `Co${i + 1}` }));
const ghost = { email: `nobody-ab-${Date.now()}@${stack.domain}`, firstName: 'Nobody', company: 'Nowhere' };
const everyone = [...prospects, ghost];
const variant = (email: string): number => variantOf(sequenceKey, email, 1, STEPS) as number;
const idOf = (email: string, step: number): string => stepMessageId(sequenceKey, email, step, STEPS, stack.domain);

let server: N8nServer;
let sequenceWorkflow: WorkflowJson;
let sequenceWorkflowId: string;
let reportWorkflow: WorkflowJson;
let reportWorkflowId: string;
let reportExecution: N8nExecution;

async function run(workflowId: string, trigger: string): Promise<N8nExecution> {
	const execution = await server.runManually(workflowId, trigger);
	expect(execution.data?.resultData.error?.message).toBeUndefined();
	expect(execution.status).toBe('success');
	return execution;
}

beforeAll(async () => {
	await resetMailboxes(SENDER, PROSPECT_BOX);
	server = await sharedServer();
	const credential = await server.createCredential('u210 (Outreach Mailbox)', TYPES.credential, credentialFor(SENDER, { smtp: 'tls', imap: 'tls' }));
	const vars = { SEQUENCE_KEY: sequenceKey, CREDENTIAL_ID: credential, CREDENTIAL_NAME: 'u210 (Outreach Mailbox)' };
	sequenceWorkflow = loadWorkflow('ab-sequence', { ...vars, PROSPECTS: JSON.stringify(everyone) });
	reportWorkflow = loadWorkflow('sequence-report', vars);
	sequenceWorkflowId = await server.createWorkflow(sequenceWorkflow);
	reportWorkflowId = await server.createWorkflow(reportWorkflow);
});

describe('A/B variants and the Report operation in n8n', () => {
	it('sends each prospect its variant of step 1: the letter in the Message-ID, the subject of that variant', async () => {
		const items = nodeItems(await run(sequenceWorkflowId, 'Every 5 Minutes'), SEQUENCE_NODE);
		for (const [i, p] of everyone.entries()) {
			const letter = variantName(variant(p.email));
			expect(items[i]).toMatchObject({ email: p.email, status: 'sent', step: 1, variant: letter, messageId: idOf(p.email, 1) });
			expect(items[i].subject).toBe(letter === 'A' ? `Quick question, ${p.firstName}` : `${p.company} + outbound: 3 ideas`);
		}
		const received = await waitForMessage(PROSPECT_BOX, (m) => m.messageId === idOf(prospects[0].email, 1));
		expect(received.subject).toBe(items[0].subject);
	});

	it('after scripted replies, an unsubscribe, an auto-reply and a real bounce, sends step 2 in the same track', async () => {
		await waitForMessage(SENDER, (m) => /mailer-daemon/i.test(m.from) && m.source.includes(idOf(ghost.email, 1)));
		const sender = addressOf(SENDER);
		for (const [i, event] of script.entries()) {
			const inReplyTo = idOf(prospects[i].email, 1);
			if (event === 'reply') await replyFrom(PROSPECT_BOX, sender, inReplyTo, { subject: 'Re: your note', text: 'Interesting, call me on Tuesday.' });
			if (event === 'unsubscribe') await replyFrom(PROSPECT_BOX, sender, inReplyTo, { subject: 'Re: your note', text: 'Please unsubscribe me from this list.' });
			if (event === 'autoReply') {
				await replyFrom(PROSPECT_BOX, sender, inReplyTo, {
					subject: 'Automatic reply: Out of office',
					text: 'I am out of the office until next Monday with limited access to email.',
					headers: { 'Auto-Submitted': 'auto-replied' },
				});
			}
		}
		await waitForMessage(SENDER, (m) => m.subject.startsWith('Automatic reply'));
		const items = nodeItems(await run(sequenceWorkflowId, 'Every 5 Minutes'), SEQUENCE_NODE);
		const sent = items.filter((i) => i.status === 'sent');
		expect(sent.map((i) => i.email).sort()).toEqual(prospects.filter((_, i) => ['autoReply', 'none'].includes(script[i])).map((p) => p.email).sort());
		for (const item of sent) {
			expect(item).toMatchObject({ step: 2, variant: variantName(variant(String(item.email))), messageId: idOf(String(item.email), 2) });
			expect(item.text).toMatch(item.variant === 'A' ? /bumping this/ : /did the 3 ideas reach you/);
		}
	});

	it('reports per step × variant exactly what the script did, with a PNG chart on the totals item', async () => {
		reportExecution = await run(reportWorkflowId, 'Every Monday');
		const rows = nodeItems(reportExecution, REPORT_NODE);
		const rowOf = (step: number | null, letter: string | null) => rows.find((r) => r.step === step && r.variant === letter);
		for (const v of [0, 1]) {
			const letter = variantName(v) as string;
			const mine = <T extends { email: string }>(list: T[]) => list.filter((p) => variant(p.email) === v);
			const by = (event: Event) => mine(prospects.filter((_, i) => script[i] === event)).length;
			const step2 = mine(prospects.filter((_, i) => ['autoReply', 'none'].includes(script[i]))).length;
			const step1 = mine(everyone).length;
			if (step1 === 0) expect(rowOf(1, letter)).toBeUndefined();
			else {
				expect(rowOf(1, letter)).toMatchObject({
					scope: 'step',
					sequenceKey,
					prospectsStarted: step1,
					emailsSent: step1,
					replies: by('reply'),
					unsubscribes: by('unsubscribe'),
					autoReplies: by('autoReply'),
					bounces: mine([ghost]).length,
					hardBounces: mine([ghost]).length,
					stopped: by('reply') + by('unsubscribe') + mine([ghost]).length,
				});
			}
			if (step2 === 0) expect(rowOf(2, letter)).toBeUndefined();
			else expect(rowOf(2, letter)).toMatchObject({ prospectsStarted: step2, replies: 0, finished: step2, active: 0 });
		}
		expect(rows[rows.length - 1]).toMatchObject({
			scope: 'total',
			step: null,
			variant: null,
			prospectsStarted: 9,
			emailsSent: 14,
			replies: 2,
			replyRatePercent: 22.2,
			unsubscribes: 1,
			autoReplies: 1,
			bounces: 1,
			hardBounces: 1,
			stopped: 4,
			finished: 5,
			active: 0,
		});
		const runData = reportExecution.data?.resultData.runData[REPORT_NODE]?.[0]?.data?.main?.[0] ?? [];
		const totals = runData[runData.length - 1] as { binary?: Record<string, { mimeType?: string; fileName?: string }> };
		expect(totals.binary?.chart).toMatchObject({ mimeType: 'image/png', fileName: `${sequenceKey}-report.png` });
	});

	it('shows the chart in the output panel (screenshot)', async () => {
		const seconds = await screenshotPages(server, [
			{
				urlPath: `/workflow/${reportWorkflowId}/executions/${reportExecution.id}/${nodeId(reportWorkflow, REPORT_NODE)}`,
				outFile: path.join(SCREENSHOTS, 'report-chart.png'),
				waitFor: '[data-test-id="ndv-run-data-display-mode"]',
				width: 1600,
				height: 1000,
				prepare: async (_page, frame: PwFrame) => {
					await frame.locator('[data-test-id="ndv-run-data-display-mode"] >> visible=true').locator('text=Binary').first().click();
					const view = frame.locator('[data-test-id="ndv-view-binary-data"] >> visible=true').first();
					await view.waitFor({ state: 'visible', timeout: 30_000 });
					await view.click();
					await frame.locator('.binary-data-window img >> visible=true').first().waitFor({ state: 'visible', timeout: 30_000 });
				},
			},
		]);
		console.log(`report chart screenshot: ${seconds[0]} s → ${path.join(SCREENSHOTS, 'report-chart.png')}`);
	});
});
