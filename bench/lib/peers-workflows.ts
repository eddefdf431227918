/**
 * The workflows `npm run bench:peers` stores in a real n8n, the way a user builds each side:
 *
 *   theirs  Manual Trigger → Code (prospects) → Send Email            (n8n's "send to a list" templates)
 *   ours    Manual Trigger → Code (prospects) → SMTP Sequence          (pacing off, window open)
 *
 * Both render the same subject and text from the same items, so the messages have the same size (n8n's
 * attribution line is switched off, ours has no footer set). The trigger workflows are the e2e fixtures
 * (`e2e/workflows/reply-trigger.json`, `e2e/workflows/email-trigger-imap.json`).
 */
import { randomUUID } from 'node:crypto';
import type { N8nExecution, WorkflowJson } from '../../e2e/lib/n8n-server';
import { TYPES } from '../../e2e/lib/package-tarball';

export const START = 'Start';
export const PROSPECTS = 'Prospects';
export const SEND_EMAIL = 'Send Email';
export const SMTP_SEQUENCE = 'SMTP Sequence';

/** One prospect row, as a Google Sheets or CRM read would give it. */
export interface Prospect {
	email: string;
	firstName: string;
	company: string;
}

/** A realistic cold email (~430 bytes once rendered), the same on both sides. */
const BODY =
	'I noticed {{ $json.company }} is hiring sales people in three cities this quarter. ' +
	'We help teams like yours book meetings from their own mailboxes, without a new tool to learn.\n\n' +
	'Would a 15-minute call next week make sense? If not, just say so and I will not write again.\n\n' +
	'Best,\nSam';
export const SUBJECT = '=Quick question, {{ $json.firstName }}';
export const TEXT = `=Hi {{ $json.firstName }},\n\n${BODY}`;
/** The subject as rendered for a prospect (the reply part answers it). */
export const renderedSubject = (p: Prospect): string => `Quick question, ${p.firstName}`;

export interface CredentialRef {
	id: string;
	name: string;
}

function prospectNodes(prospects: readonly Prospect[]): Array<Record<string, unknown>> {
	return [
		{ id: randomUUID(), name: START, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: randomUUID(),
			name: PROSPECTS,
			type: 'n8n-nodes-base.code',
			typeVersion: 2,
			position: [240, 0],
			parameters: { jsCode: `// Stands in for a Google Sheets / CRM read: one item per prospect.\nreturn ${JSON.stringify(prospects)}.map((json) => ({ json }));` },
		},
	];
}

function chain(last: string): Record<string, unknown> {
	return {
		[START]: { main: [[{ node: PROSPECTS, type: 'main', index: 0 }]] },
		[PROSPECTS]: { main: [[{ node: last, type: 'main', index: 0 }]] },
	};
}

/**
 * n8n's Send Email, one item per email as the templates do. `allowUnauthorizedCerts` ("Ignore SSL Issues")
 * is what a user of a server with a private CA sets: n8n's SMTP credential has no CA field.
 */
export function sendEmailWorkflow(name: string, prospects: readonly Prospect[], from: string, credential: CredentialRef): WorkflowJson {
	return {
		name,
		nodes: [
			...prospectNodes(prospects),
			{
				id: randomUUID(),
				name: SEND_EMAIL,
				type: 'n8n-nodes-base.emailSend',
				typeVersion: 2.1,
				position: [480, 0],
				parameters: {
					fromEmail: from,
					toEmail: '={{ $json.email }}',
					subject: SUBJECT,
					emailFormat: 'text',
					text: TEXT,
					options: { appendAttribution: false, allowUnauthorizedCerts: true },
				},
				credentials: { smtp: credential },
			},
		],
		connections: chain(SEND_EMAIL),
		settings: { executionOrder: 'v1' },
	};
}

/** SMTP Sequence, Send Due Steps: pacing off, limits above the volume, window always open. */
export function sequenceWorkflow(name: string, prospects: readonly Prospect[], sequenceKey: string, credential: CredentialRef): WorkflowJson {
	return {
		name,
		nodes: [
			...prospectNodes(prospects),
			{
				id: randomUUID(),
				name: SMTP_SEQUENCE,
				type: TYPES.smtpSequence,
				typeVersion: 1,
				position: [480, 0],
				parameters: {
					operation: 'send',
					sequenceKey,
					email: '={{ $json.email }}',
					name: '={{ $json.firstName }}',
					steps: {
						step: [
							{ subject: SUBJECT, text: TEXT, waitAmount: 0, waitUnit: 'days', replyInThread: true },
							{ subject: '', text: '=Following up, {{ $json.firstName }}: worth a call?', waitAmount: 3, waitUnit: 'businessDays', replyInThread: true },
						],
					},
					window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' },
					pacing: { minDelaySeconds: 0, maxDelaySeconds: 0, dailyLimit: 100_000, maxPerRun: 100_000, maxRunMinutes: 120 },
				},
				credentials: { [TYPES.credential]: credential },
			},
		],
		connections: chain(SMTP_SEQUENCE),
		settings: { executionOrder: 'v1' },
	};
}

/** Milliseconds from the execution's start to its end, as n8n recorded them. */
export function executionMs(execution: N8nExecution): number {
	if (!execution.stoppedAt) throw new Error(`execution ${execution.id} has no stoppedAt (status ${execution.status})`);
	return Date.parse(execution.stoppedAt) - Date.parse(execution.startedAt);
}

/** The node's own run time (n8n's `executionTime` of its first run), for the printout. */
export function nodeMs(execution: N8nExecution, nodeName: string): number | undefined {
	const runs = execution.data?.resultData.runData[nodeName] as Array<{ executionTime?: unknown }> | undefined;
	const time = runs?.[0]?.executionTime;
	return typeof time === 'number' ? time : undefined;
}

/** One emitted item found in a trigger's execution: which reply, and when that execution started. */
export interface Emission {
	reply: number;
	executionId: string;
	startedAt: number;
}

/**
 * Every emission of the given replies over a trigger's executions: an item belongs to reply `i` when its
 * JSON holds reply i's Message-ID (ours: `messageId`; n8n's: `metadata['message-id']`). One execution can
 * carry several items (both triggers emit what arrived together in one execution).
 */
export function emissions(executions: readonly N8nExecution[], nodeName: string, replyIds: readonly string[]): Emission[] {
	const found: Emission[] = [];
	for (const execution of executions) {
		const runs = execution.data?.resultData.runData[nodeName] ?? [];
		for (const run of runs) {
			for (const item of run.data?.main?.[0] ?? []) {
				const text = JSON.stringify(item.json);
				const reply = replyIds.findIndex((id) => text.includes(id.replace(/^<|>$/g, '')));
				if (reply >= 0) found.push({ reply, executionId: execution.id, startedAt: Date.parse(execution.startedAt) });
			}
		}
	}
	return found;
}
