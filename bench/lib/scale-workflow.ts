/**
 * The workflow `npm run bench:scale` runs in n8n-core's engine: Start → SMTP Sequence with the bench
 * sequence (4 steps, 3 days apart, step 4 due for the prospects without an answer), window always
 * open, pacing off. The credential can point IMAP at a counting proxy.
 */
import type { INode, INodeExecutionData } from 'n8n-workflow';
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node.js'; // .js: tsx would pick SmtpSequence.node.json for the bare name
import { runWorkflow, type RunResult } from '../../test/harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../../test/harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../../test/harness/sequence-workflow';
import { credentialFor } from '../../test/helpers/mailstack';
import { SUBJECT, prospect } from './scale-mailboxes';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };

function parameters(operation: 'send' | 'preview', sequenceKey: string): INode['parameters'] {
	const step = (n: number) => ({ subject: n === 1 ? SUBJECT : '', text: `=Hi {{ $json.firstName }}, note ${n}.`, waitAmount: n === 1 ? 0 : 3, waitUnit: 'days', replyInThread: true });
	return {
		operation,
		sequenceKey,
		email: '={{ $json.email }}',
		name: '={{ $json.firstName }}',
		steps: { step: [step(1), step(2), step(3), step(4)] },
		window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' },
		pacing: { minDelaySeconds: 0, maxDelaySeconds: 0, dailyLimit: 100_000, maxPerRun: 100_000, maxRunMinutes: 120 },
	};
}

/** Prospect items for the given prospect numbers. */
export function scaleItems(indices: readonly number[]): INodeExecutionData[] {
	return indices.map((i) => ({ json: { email: prospect(i), firstName: `Lead${i}` } }));
}

/** Runs the sequence once for `user`'s mailbox; `imapPort` redirects IMAP (e.g. to a counting proxy). */
export function runScaleWorkflow(
	operation: 'send' | 'preview',
	sequenceKey: string,
	user: string,
	items: INodeExecutionData[],
	imapPort?: number,
): Promise<RunResult> {
	const credential = credentialFor(user);
	if (imapPort !== undefined) credential.imapPort = imapPort;
	return runWorkflow({ workflow: sequenceWorkflow(parameters(operation, sequenceKey)), nodeClasses, credentials: { outreachMailboxApi: credential }, input: items });
}
