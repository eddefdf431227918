import type { INodeProperties } from 'n8n-workflow';

/**
 * The same parameters with `hide.operation` extended by `operations` (their own display rules kept):
 * the Report operation has no prospects, steps or sending options.
 */
export function hiddenFor(operations: readonly string[], properties: readonly INodeProperties[]): INodeProperties[] {
	return properties.map((property) => {
		const hide = property.displayOptions?.hide ?? {};
		const already = Array.isArray(hide.operation) ? hide.operation : [];
		return {
			...property,
			displayOptions: { ...property.displayOptions, hide: { ...hide, operation: [...already, ...operations] } },
		};
	});
}
