/**
 * Workflow fixtures in `e2e/workflows/*.json` (exported-from-the-editor shape) with `%%NAME%%`
 * placeholders in string values, and readers for what a saved execution contains.
 *
 *   const wf = loadWorkflow('sequence', { SEQUENCE_KEY: key, CREDENTIAL_ID: id, ... });
 *   const id = await server.createWorkflow(wf);
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { N8nExecution, WorkflowJson } from './n8n-server';

export const WORKFLOWS_DIR = path.resolve(__dirname, '..', 'workflows');

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function substitute(value: Json, vars: Readonly<Record<string, string>>, used: Set<string>): Json {
	if (typeof value === 'string') {
		return value.replace(/%%([A-Z_]+)%%/g, (whole, name: string) => {
			if (!(name in vars)) throw new Error(`workflow fixture placeholder ${whole} has no value`);
			used.add(name);
			return vars[name];
		});
	}
	if (Array.isArray(value)) return value.map((v) => substitute(v, vars, used));
	if (value !== null && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, vars, used)]));
	}
	return value;
}

/** Reads `e2e/workflows/<name>.json` and fills every `%%NAME%%` placeholder (an unknown one is an error). */
export function loadWorkflow(name: string, vars: Readonly<Record<string, string>>): WorkflowJson {
	const raw = JSON.parse(fs.readFileSync(path.join(WORKFLOWS_DIR, `${name}.json`), 'utf8')) as Json;
	const used = new Set<string>();
	const filled = substitute(raw, vars, used) as unknown as WorkflowJson;
	const unused = Object.keys(vars).filter((k) => !used.has(k));
	if (unused.length) throw new Error(`workflow fixture ${name}: unused values ${unused.join(', ')}`);
	return filled;
}

/** The id of the node called `nodeName` in a workflow fixture. */
export function nodeId(workflow: WorkflowJson, nodeName: string): string {
	const node = workflow.nodes.find((n) => n.name === nodeName);
	if (!node || typeof node.id !== 'string') throw new Error(`no node "${nodeName}" with an id in ${workflow.name}`);
	return node.id;
}

/** The json of every item a node output (first run, first output) in a saved execution. */
export function nodeItems(execution: N8nExecution, nodeName: string): Array<Record<string, unknown>> {
	const runs = execution.data?.resultData.runData[nodeName];
	if (!runs?.length) return [];
	return runs.flatMap((run) => run.data?.main?.[0] ?? []).map((item) => item.json);
}

/** Every item a trigger emitted over a list of executions, oldest execution first. */
export function emittedItems(executions: N8nExecution[], nodeName: string): Array<Record<string, unknown> & { executionId: string }> {
	return [...executions]
		.sort((a, b) => Number(a.id) - Number(b.id))
		.flatMap((e) => nodeItems(e, nodeName).map((json) => ({ ...json, executionId: e.id })));
}
