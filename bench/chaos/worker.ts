/**
 * Child process of `npm run chaos`: a stand-in for an n8n worker. It loads n8n-core and the SMTP Sequence
 * node once, says `ready`, then runs each `RunSpec` it is sent through n8n-core's real engine
 * (Start → SMTP Sequence, credential pointing wherever the spec says) and answers with the statuses.
 * The parent may SIGKILL it at any moment; nothing here prepares for that.
 */
import './env';
import type { INode } from 'n8n-workflow';
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node.js'; // .js: tsx would pick SmtpSequence.node.json for the bare name
import { runWorkflow } from '../../test/harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../../test/harness/manual-trigger';
import { SEQUENCE_NODE, SEQUENCE_TYPE, sequenceWorkflow } from '../../test/harness/sequence-workflow';
import { credentialFor } from '../../test/helpers/mailstack';
import type { RunOutcome, RunSpec } from './setup';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };

/** The node's parameters for a spec: `steps` steps, each due right after the previous one. */
export function sequenceParameters(spec: RunSpec): INode['parameters'] {
	return {
		operation: 'send',
		sequenceKey: spec.sequenceKey,
		email: '={{ $json.email }}',
		name: '={{ $json.firstName }}',
		steps: {
			step: Array.from({ length: spec.steps }, (_, i) => ({
				subject: i === 0 ? '={Hi|Hello} {{ $json.firstName }}, quick question' : '',
				text: `=Step ${i + 1} for {{ $json.firstName }}: would a short call make sense?`,
				waitAmount: 0,
				waitUnit: 'minutes',
				replyInThread: true,
			})),
		},
		window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' },
		pacing: {
			minDelaySeconds: spec.pacing.minSeconds,
			maxDelaySeconds: spec.pacing.maxSeconds,
			dailyLimit: spec.dailyLimit,
			maxPerRun: 10_000,
			maxRunMinutes: 30,
		},
	};
}

/** Runs one spec in the engine (also used in-process by the parent for follow-up runs). */
export async function runSpec(spec: RunSpec): Promise<RunOutcome> {
	const base = credentialFor(spec.sender);
	const credential = {
		...base,
		imapPort: spec.endpoints.imap.port,
		imapSecurity: spec.endpoints.imap.security,
		smtpPort: spec.endpoints.smtp.port,
		smtpSecurity: spec.endpoints.smtp.security,
	};
	const result = await runWorkflow({
		workflow: sequenceWorkflow(sequenceParameters(spec)),
		nodeClasses,
		credentials: { outreachMailboxApi: credential },
		input: spec.prospects.map((email, i) => ({ json: { email, firstName: `Pat${i}` } })),
		// a production run, as a Schedule Trigger starts it (manual runs skip the pacing pause)
		mode: 'trigger',
	});
	if (result.error) return { statuses: [], error: result.error.message };
	return {
		statuses: result.output(SEQUENCE_NODE).map((item) => ({
			email: String(item.json.email ?? ''),
			status: String(item.json.status),
			...(typeof item.json.step === 'number' ? { step: item.json.step } : {}),
			...(item.json.unconfirmed === true ? { unconfirmed: true } : {}),
			...(item.json.error && typeof item.json.error === 'object' && 'message' in item.json.error ? { error: String(item.json.error.message) } : {}),
		})),
	};
}

/** Messages between the parent and a worker. */
export type ToWorker = { type: 'run'; id: number; spec: RunSpec };
export type FromWorker = { type: 'ready' } | { type: 'done'; id: number; outcome: RunOutcome };

if (require.main === module && process.send) {
	// the parent may have gone (or ended this worker before it was ready): nothing to tell then
	const send = (message: FromWorker) => {
		if (process.connected) process.send?.(message, undefined, {}, () => undefined);
	};
	process.on('message', (message: ToWorker) => {
		runSpec(message.spec).then(
			(outcome) => send({ type: 'done', id: message.id, outcome }),
			(error: unknown) => send({ type: 'done', id: message.id, outcome: { statuses: [], error: error instanceof Error ? error.message : String(error) } }),
		);
	});
	// the parent disconnecting (it ended or died) ends the worker too
	process.on('disconnect', () => process.exit(0));
	send({ type: 'ready' });
}
