/**
 * The example workflows in `examples/`, as the demo imports them: credential references (exported by
 * name with a placeholder id) are pointed at the credentials that exist in the demo's n8n.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowJson } from '../../e2e/lib/n8n-server';
import { repoRootDir } from './n8n-runtime';

/** The CRM pair the demo runs: prospects in an n8n Data table, no outside service. */
export const DEMO_SEQUENCE = 'data-table-sequence.json';
export const DEMO_REPLIES = 'data-table-replies.json';
/** Imported inactive, for the user to look at and adapt (with why they are not running). */
export const OTHER_EXAMPLES = [
	['demo-sequence.json', 'the simplest start: a Code node as the prospect list'],
	['demo-replies.json', 'its companion: replies labelled by Set nodes'],
	['unsubscribe-webhook.json', 'needs your Unsubscribe Secret and an https address for n8n'],
	['google-sheets-sequence.json', 'needs a Google Sheets credential'],
	['reply-trigger-to-sheet.json', 'needs a Google Sheets credential'],
] as const;

/** Node names the demo reads results from (they are in the example files). */
export const NODE_NAMES = {
	sequence: 'SMTP Sequence',
	trigger: 'IMAP Reply Trigger',
} as const;

export function examplesDir(): string {
	return path.join(repoRootDir(), 'examples');
}

export function readExample(file: string): WorkflowJson {
	const text = fs.readFileSync(path.join(examplesDir(), file), 'utf8');
	const workflow = JSON.parse(text) as WorkflowJson;
	if (typeof workflow.name !== 'string' || !Array.isArray(workflow.nodes) || typeof workflow.connections !== 'object') {
		throw new Error(`examples/${file} is not an n8n workflow export (name, nodes, connections)`);
	}
	return workflow;
}

/**
 * A copy of the workflow whose nodes use the given credentials: `ids` maps a credential type
 * (e.g. `outreachMailboxApi`) to the id and name of a stored credential. Other references stay as exported.
 */
export function bindCredentials(workflow: WorkflowJson, ids: Record<string, { id: string; name: string }>): WorkflowJson {
	const nodes = workflow.nodes.map((node) => {
		const credentials = node.credentials as Record<string, { id: string; name: string }> | undefined;
		if (!credentials) return node;
		const bound = Object.fromEntries(Object.entries(credentials).map(([type, ref]) => [type, ids[type] ?? ref]));
		return { ...node, credentials: bound };
	});
	return { ...workflow, nodes };
}
