import { NodeOperationError, type INode } from 'n8n-workflow';
import { SequenceError, asSequenceError } from '../../core/errors';

/**
 * The one place our errors become n8n errors: message for the headline, hint as the description,
 * the item index so n8n points at the item.
 */
export function toNodeError(node: INode, error: unknown, itemIndex?: number): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const failure: SequenceError = asSequenceError(error);
	return new NodeOperationError(node, failure.message, {
		...(itemIndex === undefined ? {} : { itemIndex }),
		description: failure.hint ?? `Error code: ${failure.code}${failure.temporary ? ' (temporary: a later run may succeed)' : ''}`,
	});
}
