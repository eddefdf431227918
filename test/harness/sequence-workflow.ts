import type { INode } from 'n8n-workflow';
import type { WorkflowJson } from './engine';
import { MANUAL_TRIGGER } from './manual-trigger';

/** Name of the SMTP Sequence node in {@link sequenceWorkflow}. */
export const SEQUENCE_NODE = 'SMTP Sequence';
/** Type of the SMTP Sequence node, as a community package installs it. */
export const SEQUENCE_TYPE = 'n8n-nodes-smtp-sequence.smtpSequence';

/**
 * Start (pass-through) → SMTP Sequence with `parameters`, credential "Mailbox"; `settings` adds node
 * settings such as `continueOnFail`. The node class itself is passed to `runWorkflow` by the caller
 * (jest and tsx resolve `SmtpSequence.node` differently).
 */
export function sequenceWorkflow(parameters: INode['parameters'], settings: Partial<INode> = {}): WorkflowJson {
	return {
		nodes: [
			{ id: '1', name: 'Start', type: MANUAL_TRIGGER, typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: '2',
				name: SEQUENCE_NODE,
				type: SEQUENCE_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters,
				credentials: { outreachMailboxApi: { id: '1', name: 'Mailbox' } },
				...settings,
			},
		],
		connections: { Start: { main: [[{ node: SEQUENCE_NODE, type: 'main', index: 0 }]] } },
	};
}
