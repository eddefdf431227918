/**
 * Both operations (Send Due Steps, Preview) read the same parameters and run the same plan; Preview
 * sends nothing and adds the rendered email and the schedule to each item.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { InputError, SequenceError, asSequenceError } from '../../../core/errors';
import type { RunProspect } from '../../../core/sequence/run-request';
import type { PreviewStep } from '../../../core/sequence/preview';
import type { ProspectResult } from '../../../core/sequence/run-result';
import { runSequence } from '../../../transport/sequence-run';
import { trustSelfSignedServers } from '../../../transport/server-certificate';
import { mailboxSettingsOf } from '../../shared/mailbox-credential';
import { toNodeError } from '../../shared/to-node-error';
import { describeWindow } from '../../../core/sequence/window-text';
import { pacingForMode, readPaceManualRuns } from './manual-run';
import { prospectError } from './prospect-errors';
import { readMessageOptions, readOptions, readProspect, readSignedUnsubscribe, readSteps, readTemplates, stepRenderer, type SignedLinkFn } from './read-parameters';

/** One step of a Preview item: the same fields for every step (null when not applicable). */
function previewStepJson(step: PreviewStep): IDataObject {
	return {
		step: step.step,
		variant: step.variant ?? null,
		status: step.status,
		when: step.when,
		subject: step.email?.subject ?? null,
		text: step.email?.text ?? null,
		html: step.email?.html ?? null,
		error: step.error ? step.error.toJSON() : null,
		at: step.at,
	};
}

/**
 * A Preview item leads with what the next email says and when it goes out (n8n's table shows keys in
 * this order), then every step, then the fields every item has.
 */
function previewLead(result: ProspectResult): IDataObject {
	const next = result.preview?.next;
	return {
		email: result.email,
		status: result.status,
		step: result.step ?? null,
		when: next?.when ?? null,
		subject: next?.email?.subject ?? null,
		text: next?.email?.text ?? null,
		html: next?.email?.html ?? null,
		reason: result.reason,
		steps: (result.preview?.steps ?? []).map(previewStepJson),
	};
}

/** The output item of one prospect. */
function toJson(result: ProspectResult, operation: 'send' | 'preview'): IDataObject {
	const json: IDataObject = {
		...(operation === 'preview' ? previewLead(result) : {}),
		email: result.email,
		sequenceKey: result.sequenceKey,
		status: result.status,
		stopReason: result.stopReason ?? null,
		step: result.step ?? null,
		variant: result.variant ?? null,
		messageId: result.messageId ?? null,
		threadMessageId: result.threadMessageId ?? null,
		sentAt: result.sentAt ?? null,
		nextStepAt: result.nextStepAt ?? null,
		smtpResponse: result.smtpResponse ?? null,
		unconfirmed: result.unconfirmed === true,
		reason: result.reason,
		error: result.error ? result.error.toJSON() : null,
		history: result.history,
	};
	if (result.sentEmail) {
		json.subject = result.sentEmail.subject;
		json.text = result.sentEmail.text;
		json.html = result.sentEmail.html ?? null;
	}
	return json;
}

/** The Prospect Email parameter as evaluated for an item whose fields failed validation (for its output). */
function emailAsGiven(fn: IExecuteFunctions, index: number): string {
	try {
		const value = fn.getNodeParameter('email', index, '');
		return typeof value === 'string' ? value : String(value);
	} catch {
		return '';
	}
}

/** Whether the Sending Window names its own zone, or the workflow's applies. */
function windowZoneOf(fn: IExecuteFunctions): 'window' | 'workflow' {
	const window = fn.getNodeParameter('window', 0, {}) as IDataObject;
	return typeof window.timeZone === 'string' && window.timeZone.trim() !== '' ? 'window' : 'workflow';
}

/**
 * n8n's signal that the execution was stopped (n8n-workflow 1.x and 2.x give it to every execute
 * context). Without it a stopped execution would go on sending until its run ends: say so in the log.
 */
function cancelSignalOf(fn: IExecuteFunctions): AbortSignal | undefined {
	const signal = typeof fn.getExecutionCancelSignal === 'function' ? fn.getExecutionCancelSignal() : undefined;
	if (!signal) {
		fn.logger.warn(
			'This n8n version gives nodes no execution cancel signal: stopping the execution does not stop the SMTP Sequence run, which ends at Max Sends per Run or Max Run Minutes.',
		);
	}
	return signal;
}

/** The pacing pause: a timer that ends early when the execution is stopped. */
function pause(ms: number, cancel: AbortSignal | undefined): Promise<void> {
	return new Promise((resolve) => {
		if (cancel?.aborted) return resolve();
		const done = () => {
			clearTimeout(timer);
			cancel?.removeEventListener('abort', done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		cancel?.addEventListener('abort', done, { once: true });
	});
}

/** Runs the operation for all input items. */
export async function runOperation(this: IExecuteFunctions, operation: 'send' | 'preview'): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const node = this.getNode();
	const continueOnFail = this.continueOnFail();
	// Preview shows every prospect: one with a bad field or template is an item with its error (issue 14:
	// the first bad item must not hide the others); what fails them all (login, server) still fails the node
	const failsNode = (error: unknown) => !continueOnFail && !(operation === 'preview' && error instanceof InputError);
	let request;
	let note: string | undefined;
	let signedLink: SignedLinkFn | undefined;
	let keyAsGiven = '';
	try {
		const sequenceKey = String(this.getNodeParameter('sequenceKey', 0, '')).trim();
		keyAsGiven = sequenceKey;
		if (!sequenceKey) throw new InputError('EMPTY_FIELD', 'Sequence Key is empty: give the sequence a stable name.');
		const settings = await mailboxSettingsOf(this, this.getNodeParameter('authentication', 0, 'password'));
		const pacing = pacingForMode(this.getMode(), readOptions(this), readPaceManualRuns(this));
		note = pacing.note;
		const templates = readTemplates(this);
		signedLink = readSignedUnsubscribe(this, sequenceKey, new Date());
		request = {
			operation,
			sequenceKey,
			settings,
			steps: readSteps(this, templates),
			templates,
			options: pacing.options,
			message: readMessageOptions(this, settings),
		};
	} catch (error) {
		// a sequence-wide parameter (a step's wait, the window, a limit …) is wrong: nothing is sent to anyone
		if (!continueOnFail) throw toNodeError(node, error);
		const failure = asSequenceError(error);
		return [
			items.map((_, i) => {
				const result: ProspectResult = { index: i, email: emailAsGiven(this, i), sequenceKey: keyAsGiven, status: 'failed', reason: failure.message, error: failure, history: [] };
				return { json: toJson(result, operation), pairedItem: { item: i } };
			}),
		];
	}
	const { sequenceKey } = request;

	const output: INodeExecutionData[] = new Array(items.length);
	const prospects: RunProspect[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			prospects.push(readProspect(this, i, request.settings, signedLink));
		} catch (error) {
			const failure = prospectError(this, i, error);
			if (failsNode(failure)) throw toNodeError(node, failure, { itemIndex: i });
			// same fields as every other item, so a CRM write-back maps one shape
			const result: ProspectResult = { index: i, email: emailAsGiven(this, i), sequenceKey, status: 'failed', reason: failure.message, error: failure, history: [] };
			output[i] = { json: toJson(result, operation), pairedItem: { item: i } };
		}
	}
	// the window and zone each prospect is decided in (n8n's default zone surprises people outside New
	// York); on every item, those that failed validation included, so all items have one shape
	const windowZone = windowZoneOf(this);
	const zones = new Map(prospects.map((p) => [p.index, p.timeZone]));
	const window = request.options.window;
	const finish = (): INodeExecutionData[][] => {
		for (const [index, item] of output.entries()) {
			if (item) item.json.sendingWindow = describeWindow(window, zones.get(index), windowZone);
		}
		return [output.filter((item) => item !== undefined)];
	};
	if (prospects.length === 0) return finish();
	// "Allow Self-Signed Certificates": fetch and check the servers' certificates before any login
	const trusted = await trustSelfSignedServers(request.settings, operation === 'send' ? ['SMTP', 'IMAP'] : ['IMAP']).catch(asSequenceError);
	if (trusted instanceof SequenceError) {
		if (!continueOnFail) throw toNodeError(node, trusted);
		for (const p of prospects) {
			const result: ProspectResult = { index: p.index, email: p.address.address, sequenceKey, status: 'failed', reason: trusted.message, error: trusted, history: [] };
			output[p.index] = { json: toJson(result, operation), pairedItem: { item: p.index } };
		}
		return finish();
	}
	const addresses = new Map(prospects.map((p) => [p.index, p.address.address]));
	const cancel = cancelSignalOf(this);
	const results = await runSequence(
		{
			...request,
			settings: trusted,
			prospects,
			failFast: !continueOnFail,
			render: stepRenderer(this, sequenceKey, request.templates, request.options, (i) => addresses.get(i) ?? ''),
		},
		{
			now: () => new Date(),
			sleep: (ms) => pause(ms, cancel),
			random: Math.random,
			log: { warn: (message) => this.logger.warn(message) },
			...(cancel ? { cancel } : {}),
		},
	);
	for (const result of results) {
		if (result.status === 'failed' && failsNode(result.error)) throw toNodeError(node, result.error, { itemIndex: result.index });
		output[result.index] = { json: toJson(result, operation), pairedItem: { item: result.index } };
	}
	if (operation === 'preview') {
		const troubled = results.filter((r) => r.status === 'failed' || r.preview?.steps.some((s) => s.error)).length + (items.length - prospects.length);
		if (troubled > 0) {
			const message = `${troubled} of ${items.length} prospects have a problem: their items say which step and which field (error, and steps[].error for each step).`;
			this.addExecutionHints({ message, type: 'warning', location: 'outputPane' });
		}
	}
	if (note && results.some((r) => r.status === 'sent')) {
		// said twice: on each item (a later node or a CRM sees it) and above the output in the editor
		for (const item of output) if (item) item.json.note = note;
		this.addExecutionHints({ message: note, type: 'info', location: 'outputPane' });
	}
	return finish();
}
