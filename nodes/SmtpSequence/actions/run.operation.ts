/**
 * Both operations (Send Due Steps, Preview) read the same parameters and run the same plan; Preview
 * sends nothing and adds the rendered email and the schedule to each item.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { InputError, asSequenceError } from '../../../core/errors';
import { runSequence, type ProspectResult, type RunProspect } from '../../../transport/sequence-run';
import { mailboxSettingsFrom } from '../../shared/mailbox-credential';
import { toNodeError } from '../../shared/to-node-error';
import { readMessageOptions, readOptions, readProspect, readSteps, readTemplates, stepRenderer } from './read-parameters';

/** The output item of one prospect. */
function toJson(result: ProspectResult): IDataObject {
	const json: IDataObject = {
		email: result.email,
		sequenceKey: result.sequenceKey,
		status: result.status,
		stopReason: result.stopReason ?? null,
		step: result.step ?? null,
		messageId: result.messageId ?? null,
		threadMessageId: result.threadMessageId ?? null,
		sentAt: result.sentAt ?? null,
		nextStepAt: result.nextStepAt ?? null,
		smtpResponse: result.smtpResponse ?? null,
		reason: result.reason,
		error: result.error ? result.error.toJSON() : null,
		history: result.history,
	};
	if (result.preview) {
		json.subject = result.preview.subject;
		json.text = result.preview.text;
		json.html = result.preview.html ?? null;
		json.schedule = result.preview.schedule;
	}
	return json;
}

/** Runs the operation for all input items. */
export async function runOperation(this: IExecuteFunctions, operation: 'send' | 'preview'): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const node = this.getNode();
	const continueOnFail = this.continueOnFail();
	let sequenceKey: string;
	let settings;
	try {
		sequenceKey = String(this.getNodeParameter('sequenceKey', 0, '')).trim();
		if (!sequenceKey) throw new InputError('EMPTY_FIELD', 'Sequence Key is empty: give the sequence a stable name.');
		settings = mailboxSettingsFrom(await this.getCredentials('outreachMailboxApi'));
	} catch (error) {
		throw toNodeError(node, error);
	}
	let request;
	try {
		const steps = readSteps(this);
		const templates = readTemplates(this);
		const options = readOptions(this);
		const message = readMessageOptions(this, settings);
		request = { operation, sequenceKey, settings, steps, options, message, templates };
	} catch (error) {
		throw toNodeError(node, error);
	}

	const output: INodeExecutionData[] = new Array(items.length);
	const prospects: RunProspect[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			prospects.push(readProspect(this, i));
		} catch (error) {
			if (!continueOnFail) throw toNodeError(node, error, { itemIndex: i });
			const failure = asSequenceError(error);
			output[i] = { json: { email: String(items[i].json.email ?? ''), sequenceKey, status: 'failed', reason: failure.message, error: failure.toJSON() }, pairedItem: { item: i } };
		}
	}
	const addresses = new Map(prospects.map((p) => [p.index, p.address.address]));
	const results = await runSequence(
		{
			...request,
			prospects,
			failFast: !continueOnFail,
			render: stepRenderer(this, sequenceKey, request.templates, request.options, (i) => addresses.get(i) ?? ''),
		},
		{ now: () => new Date(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random: Math.random },
	);
	for (const result of results) {
		if (result.status === 'failed' && !continueOnFail) throw toNodeError(node, result.error, { itemIndex: result.index });
		output[result.index] = { json: toJson(result), pairedItem: { item: result.index } };
	}
	return [output.filter((item) => item !== undefined)];
}
