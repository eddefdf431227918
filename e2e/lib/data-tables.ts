/**
 * n8n's Data tables (2.x, stored in n8n's own database) through its public API, and the CRM examples
 * adapted the way a user adapts them. Public API 2.41: `POST /data-tables` {name, columns}, `POST
 * /data-tables/:id/rows` {data, returnType}, `GET /data-tables/:id/rows?limit&cursor` → {data, nextCursor}
 * (scopes `dataTable:*`, `dataTableRow:*`, which the e2e API key has). The Data table node finds a table
 * *by name* through a lower-cased filter, so names here are lower case.
 */
import type { N8nServer, WorkflowJson } from './n8n-server';
import { bindCredentials, readExample } from '../../scripts/lib/demo-workflows';

export type ColumnType = 'string' | 'number' | 'boolean' | 'date';
export type DataTableRow = Record<string, string | number | boolean | null>;

export class DataTables {
	constructor(private readonly server: N8nServer) {}

	/** Creates a table in the owner's personal project; returns its id. */
	async create(name: string, columns: Array<{ name: string; type: ColumnType }>): Promise<string> {
		if (name !== name.toLowerCase()) throw new Error(`data table names here are lower case (the node looks them up lower-cased): ${name}`);
		const created = await this.server.api<{ id: string }>('POST', '/data-tables', { name, columns });
		return created.id;
	}

	async insert(id: string, data: DataTableRow[]): Promise<void> {
		await this.server.api('POST', `/data-tables/${id}/rows`, { data, returnType: 'count' });
	}

	/** Every row, oldest first. */
	async rows(id: string): Promise<DataTableRow[]> {
		const all: DataTableRow[] = [];
		let cursor: string | undefined;
		do {
			const page = await this.server.api<{ data: DataTableRow[]; nextCursor?: string | null }>(
				'GET',
				`/data-tables/${id}/rows?limit=250${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
			);
			all.push(...page.data);
			cursor = page.nextCursor ?? undefined;
		} while (cursor);
		return all;
	}
}

/** What a user changes in the CRM examples before using them. */
export interface ExampleChoices {
	credential: { id: string; name: string };
	/** The data table's name (the examples say `prospects`). */
	table: string;
	sequenceKey: string;
	/** Unsubscribe Secret, in the webhook and (with `webhookUrl`) the sending node. */
	secret?: string;
	/** The Webhook node's path. */
	webhookPath?: string;
	/** Unsubscribe Webhook URL for the sending node; none leaves the footer as it is. */
	webhookUrl?: string;
	/**
	 * Step waits, window and pacing for a story told in minutes instead of business days: every step due
	 * `stepMinutes` after the previous one, the window always open, no pacing pause.
	 */
	stepMinutes?: number;
	/** Keep only the first N steps of the sequence. */
	steps?: number;
	/** The Schedule Trigger's interval in seconds (the examples say every 10 minutes). */
	scheduleSeconds?: number;
}

type Params = Record<string, unknown>;

/** An example of `examples/` with the user's choices applied (see {@link ExampleChoices}). */
export function adaptExample(file: string, choices: ExampleChoices): WorkflowJson {
	const workflow = bindCredentials(readExample(file), { outreachMailboxApi: choices.credential });
	const nodes = workflow.nodes.map((node) => {
		const parameters = structuredClone(node.parameters) as Params;
		if (node.type === 'n8n-nodes-base.dataTable') parameters.dataTableId = { __rl: true, value: choices.table, mode: 'name' };
		if (node.type === 'n8n-nodes-smtp-sequence.imapReplyTrigger') parameters.sequenceKeys = choices.sequenceKey;
		if (node.type === 'n8n-nodes-base.webhook' && choices.webhookPath) parameters.path = choices.webhookPath;
		if (node.type === 'n8n-nodes-base.scheduleTrigger' && choices.scheduleSeconds) {
			parameters.rule = { interval: [{ field: 'seconds', secondsInterval: choices.scheduleSeconds }] };
		}
		if (node.type === 'n8n-nodes-smtp-sequence.smtpSequence') {
			if (parameters.operation === 'recordUnsubscribe') {
				if (choices.secret) parameters.unsubscribeSecret = choices.secret;
			} else {
				parameters.sequenceKey = choices.sequenceKey;
				const sequence = parameters.steps as { step: Params[] };
				if (choices.steps) sequence.step = sequence.step.slice(0, choices.steps);
				const steps = sequence.step;
				steps.forEach((step, i) => Object.assign(step, { waitAmount: i === 0 ? 0 : (choices.stepMinutes ?? 0), waitUnit: 'minutes' }));
				parameters.window = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
				parameters.pacing = { minDelaySeconds: 0, maxDelaySeconds: 0, maxPerRun: 20, maxRunMinutes: 2 };
				if (choices.webhookUrl && choices.secret) {
					parameters.messageOptions = { ...(parameters.messageOptions as Params), unsubscribeWebhookUrl: choices.webhookUrl, unsubscribeSecret: choices.secret };
				}
			}
		}
		return { ...node, parameters };
	});
	return { ...workflow, nodes };
}
