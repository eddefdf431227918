/**
 * Runs the SMTP Sequence node inside n8n-core's real engine, from workflow JSON.
 */
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { parseSequenceMessageId, sequenceHash } from '../../core/mail/message-id';
import { runWorkflow, type WorkflowJson } from '../harness/engine';
import { credentialFor } from '../helpers/mailstack';

const workflow: WorkflowJson = {
	nodes: [
		{ id: '1', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{
			id: '2',
			name: 'SMTP Sequence',
			type: 'n8n-nodes-smtp-sequence.smtpSequence',
			typeVersion: 1,
			position: [200, 0],
			parameters: { operation: 'preview', sequenceKey: 'engine-test', email: '={{ $json.email }}' },
			credentials: { outreachMailboxApi: { id: '1', name: 'Alice' } },
		},
	],
	connections: { Start: { main: [[{ node: 'SMTP Sequence', type: 'main', index: 0 }]] } },
};

/** A pass-through start node standing in for n8n's Manual Trigger (not a dependency of this package). */
class ManualTrigger {
	description = {
		displayName: 'Manual Trigger', name: 'manualTrigger', group: ['trigger'], version: 1, description: '',
		defaults: {}, inputs: [], outputs: ['main'], properties: [],
	};
	async execute(this: { getInputData(): unknown[] }) {
		return [this.getInputData()];
	}
}

describe('SMTP Sequence in the n8n-core engine', () => {
	it('resolves the email expression per item and keeps item pairing', async () => {
		const result = await runWorkflow({
			workflow,
			nodeClasses: {
				'n8n-nodes-base.manualTrigger': ManualTrigger as never,
				'n8n-nodes-smtp-sequence.smtpSequence': SmtpSequence,
			},
			credentials: { outreachMailboxApi: credentialFor('alice') },
			input: [{ json: { email: 'bob@example.test' } }, { json: { email: 'carol@example.test' } }],
		});
		expect(result.error).toBeUndefined();
		const items = result.output('SMTP Sequence');
		expect(items.map((i) => i.json.email)).toEqual(['bob@example.test', 'carol@example.test']);
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		const ref = parseSequenceMessageId(String(items[0].json.messageId));
		expect(ref).toMatchObject({ sequenceHash: sequenceHash('engine-test'), step: 1 });
		expect(String(items[0].json.messageId)).toMatch(/@example\.test>$/);
	});
});
