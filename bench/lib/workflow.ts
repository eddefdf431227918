/**
 * The workflow the bench runs in n8n-core's engine: a pass-through start node → SMTP Sequence, with the
 * prospects as the start node's items. Pacing off, limits above the bench's volume, window always open.
 */
import type { INode, INodeExecutionData } from 'n8n-workflow';
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node.js'; // .js: tsx would pick SmtpSequence.node.json for the bare name
import { runWorkflow, type RunResult, type WorkflowJson } from '../../test/harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../../test/harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../../test/harness/sequence-workflow';
import { credentialFor } from '../../test/helpers/mailstack';

/** The mailbox that sends (its Sent folder is the ledger). */
export const SENDER = 'u57';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };

/** Body of every bench email (a realistic cold email, ~600 bytes). */
export const BODY =
	'I noticed {{ $json.company }} is hiring sales people in three cities this quarter. ' +
	'We help teams like yours book meetings from their own mailboxes, without a new tool to learn.\n\n' +
	'Would a 15-minute call next week make sense? If not, just say so and I will not write again.\n\n' +
	'Best,\nSam';

function workflow(operation: 'send' | 'preview', sequenceKey: string): WorkflowJson {
	const parameters: INode['parameters'] = {
		operation,
		sequenceKey,
		email: '={{ $json.email }}',
		name: '={{ $json.firstName }}',
		steps: {
			step: [
				{ subject: '={Hi|Hello} {{ $json.firstName }}, quick question', text: `={Hi|Hello} {{ $json.firstName }},\n\n${BODY}`, waitAmount: 0, waitUnit: 'days', replyInThread: true },
				{ subject: '', text: '=Following up, {{ $json.firstName }}: worth a call?', waitAmount: 3, waitUnit: 'businessDays', replyInThread: true },
			],
		},
		window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' },
		pacing: { minDelaySeconds: 0, maxDelaySeconds: 0, dailyLimit: 100_000, maxPerRun: 100_000, maxRunMinutes: 120 },
	};
	return sequenceWorkflow(parameters);
}

/** `count` prospect items, plus-addresses of `recipient` (Postfix/Dovecot deliver them to that user). */
export function prospectItems(recipient: string, count: number): INodeExecutionData[] {
	return Array.from({ length: count }, (_, i) => ({
		json: { email: `${recipient}+${i}@example.test`, firstName: `Pat${i}`, company: `Company ${i % 97}` },
	}));
}

/** Runs the SMTP Sequence workflow once in the engine with `items` as prospects; `ports` redirect SMTP and IMAP (a delaying proxy). */
export function runSequenceWorkflow(operation: 'send' | 'preview', sequenceKey: string, items: INodeExecutionData[], ports?: { smtp: number; imap: number }): Promise<RunResult> {
	const credential = credentialFor(SENDER);
	return runWorkflow({
		workflow: workflow(operation, sequenceKey),
		nodeClasses,
		credentials: { outreachMailboxApi: ports ? { ...credential, smtpPort: ports.smtp, imapPort: ports.imap } : credential },
		input: items,
	});
}
