import type { INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

/**
 * A pass-through start node standing in for n8n's Manual Trigger (n8n-nodes-base is not a dependency of
 * this package): it hands the harness's input items to the next node.
 */
export class ManualTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Manual Trigger',
		name: 'manualTrigger',
		group: ['trigger'],
		version: 1,
		description: 'Test start node',
		defaults: {},
		inputs: [],
		outputs: ['main'],
		properties: [],
	};

	async execute(this: { getInputData(): INodeExecutionData[] }): Promise<INodeExecutionData[][]> {
		return [this.getInputData()];
	}
}

/** Its type name in test workflows. */
export const MANUAL_TRIGGER = 'n8n-nodes-base.manualTrigger';
