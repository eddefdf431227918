import type { IDataObject, ITriggerFunctions } from 'n8n-workflow';
import { resolveTriggerOptions, type TriggerOptions } from '../../core/trigger/trigger-options';
import type { FolderChoice } from '../../transport/watched-folders';

/** The node's parameters, typed. */
export interface TriggerParameters {
	folders: FolderChoice;
	options: TriggerOptions;
}

function optionalNumber(value: unknown): number | undefined {
	return value === undefined || value === null || value === '' ? undefined : Number(value);
}

/**
 * Sequence Keys: a top-level field. Workflows saved before it moved there kept it under Options; n8n drops
 * that value when it builds an active workflow from the description, so it is read in test runs only.
 */
function sequenceKeysOf(context: ITriggerFunctions, extra: IDataObject): string {
	const keys = context.getNodeParameter('sequenceKeys', '');
	if (typeof keys === 'string' && keys.trim() !== '') return keys;
	return typeof extra.sequenceKeys === 'string' ? extra.sequenceKeys : '';
}

/** Reads the parameters (see description.ts) into core options; throws InputError on bad values. */
export function readTriggerParameters(context: ITriggerFunctions): TriggerParameters {
	const events = context.getNodeParameter('events', []) as string[];
	const scope = context.getNodeParameter('scope', 'sequence') as string;
	const watchJunk = context.getNodeParameter('watchJunk', false) as boolean;
	const extra = context.getNodeParameter('options', {}) as IDataObject;
	const otherFolders = typeof extra.otherFolders === 'string' ? extra.otherFolders : '';
	return {
		folders: {
			junk: watchJunk,
			extra: otherFolders.split(',').map((f) => f.trim()).filter((f) => f.length > 0),
		},
		options: resolveTriggerOptions({
			events,
			scope,
			includeBodies: extra.includeBodies === true,
			includeAttachments: extra.includeAttachments === true,
			maxAttachments: optionalNumber(extra.maxAttachments),
			maxAttachmentMb: optionalNumber(extra.maxAttachmentMb),
			maxAttachmentsTotalMb: optionalNumber(extra.maxAttachmentsTotalMb),
			maxAttachmentNameLength: optionalNumber(extra.maxAttachmentNameLength),
			includeHeaders: extra.includeHeaders === true,
			sequenceKeys: sequenceKeysOf(context, extra),
		}),
	};
}
