import type { IBinaryKeyData, IDataObject, INodeExecutionData, ITriggerFunctions } from 'n8n-workflow';
import { readTriggerState, type TriggerState } from '../../core/trigger/trigger-state';
import type { EmittedReply, TriggerStateStore } from '../../transport/reply-trigger-engine';

/** n8n items from emitted replies; attachments become binary properties `attachment_<n>`. */
export async function toExecutionData(context: ITriggerFunctions, replies: EmittedReply[]): Promise<INodeExecutionData[]> {
	const items: INodeExecutionData[] = [];
	for (const reply of replies) {
		const item: INodeExecutionData = { json: reply.json as IDataObject };
		if (reply.attachments) {
			const { kept, omitted, omittedCount } = reply.attachments;
			// what the limits (or a broken part) left out, so the workflow can tell
			item.json = { ...item.json, attachmentsOmitted: omitted.map((o) => ({ ...o })), attachmentsOmittedCount: omittedCount };
			if (kept.length > 0) {
				const binary: IBinaryKeyData = {};
				for (const [index, attachment] of kept.entries()) {
					binary[`attachment_${index}`] = await context.helpers.prepareBinaryData(attachment.content, attachment.fileName, attachment.contentType);
				}
				item.binary = binary;
			}
		}
		items.push(item);
	}
	return items;
}

/**
 * The trigger state in the workflow's static data. n8n 2.x writes static data to its database each time
 * a trigger calls `emit` (and once after activation), so what `save` wrote right before an emit is
 * persisted with it (see README, "Delivery guarantee").
 */
export function staticDataStore(staticData: IDataObject): TriggerStateStore {
	return {
		load: () => readTriggerState(staticData),
		save: (state: TriggerState) => {
			// assigning top-level properties is what marks n8n's observable static data as changed
			const copy = JSON.parse(JSON.stringify(state)) as TriggerState;
			staticData.version = copy.version;
			staticData.folders = copy.folders;
			staticData.seen = copy.seen;
			staticData.forgotten = copy.forgotten;
			staticData.setAside = copy.setAside;
			staticData.setAsideCount = copy.setAsideCount;
		},
	};
}

