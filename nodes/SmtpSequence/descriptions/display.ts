import type { INodeProperties } from 'n8n-workflow';

/** Parameter types whose value n8n's editor drops when a parameter named in their display rules changes. */
const EDITOR_RESETS_ON_RULE_CHANGE: ReadonlySet<string> = new Set(['collection', 'fixedCollection']);

/**
 * The same parameters with `hide.operation` extended by `operations` (their own display rules kept):
 * the Report and Record Unsubscribe operations have no prospects, steps or sending options.
 *
 * Collections and fixed collections (Steps, Variants, Sending Window, Pacing, Stop Rules, Message
 * Options) are left without the rule and so stay visible under every operation: n8n's editor (2.41)
 * deletes a collection's whole value whenever a parameter its display rules name changes, even when it
 * stays visible, so a rule on `operation` made switching Preview → Send Due Steps wipe the user's steps
 * and window (docs/design.md, "Display rules and the editor").
 */
export function hiddenFor(operations: readonly string[], properties: readonly INodeProperties[]): INodeProperties[] {
	return properties.map((property) => {
		if (EDITOR_RESETS_ON_RULE_CHANGE.has(property.type)) return property;
		const hide = property.displayOptions?.hide ?? {};
		const already = Array.isArray(hide.operation) ? hide.operation : [];
		return {
			...property,
			displayOptions: { ...property.displayOptions, hide: { ...hide, operation: [...already, ...operations] } },
		};
	});
}
