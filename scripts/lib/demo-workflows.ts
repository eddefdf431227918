/**
 * The example workflows in `examples/`, as the demo imports them: credential references (exported by
 * name with a placeholder id) are pointed at the credentials that exist in the demo's n8n.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkflowJson } from '../../e2e/lib/n8n-server';
import { repoRootDir } from './n8n-runtime';

/** The self-contained pair: they need only the Outreach Mailbox credential. */
export const DEMO_SEQUENCE = 'demo-sequence.json';
export const DEMO_REPLIES = 'demo-replies.json';
/** Examples that need other services (Google Sheets); imported inactive, for the user to adapt. */
export const OTHER_EXAMPLES = ['google-sheets-sequence.json', 'reply-trigger-to-sheet.json'] as const;

/** Node names the demo reads results from (they are in the example files). */
export const NODE_NAMES = {
	sequence: 'SMTP Sequence',
	schedule: 'Every 20 seconds',
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
