import { NodeOperationError, type INode } from 'n8n-workflow';
import { SequenceError, asSequenceError } from '../../core/errors';

/** Where the error happened, for n8n's error panel. */
export interface NodeErrorContext {
	/** The input item, so n8n points at it. */
	itemIndex?: number;
	/** A short prefix for the headline, e.g. 'Stopped watching "INBOX"'. */
	context?: string;
}

/**
 * The one place our errors become n8n errors: message for the headline (with an optional context
 * prefix), hint as the description, the item index so n8n points at the item.
 */
export function toNodeError(node: INode, error: unknown, where: NodeErrorContext = {}): NodeOperationError {
	if (error instanceof NodeOperationError) return error;
	const failure: SequenceError = asSequenceError(error);
	const message = where.context ? `${where.context}: ${failure.message}` : failure.message;
	return new NodeOperationError(node, message, {
		...(where.itemIndex === undefined ? {} : { itemIndex: where.itemIndex }),
		description: failure.hint ?? `Error code: ${failure.code}${failure.temporary ? ' (temporary: a later run may succeed)' : ''}`,
	});
}
