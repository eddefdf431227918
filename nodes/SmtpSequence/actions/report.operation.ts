/**
 * Report: one run of the mailbox reader for the node's sequence, whatever the input items (it answers
 * once, paired with the first item): one item per step × variant and a totals item, optionally with a
 * PNG chart on the totals item.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { InputError, SequenceError, asSequenceError } from '../../../core/errors';
import type { ReportRow } from '../../../core/report/sequence-report';
import { readSequenceReport } from '../../../transport/sequence-report';
import { trustSelfSignedServers } from '../../../transport/server-certificate';
import { mailboxSettingsOf } from '../../shared/mailbox-credential';
import { toNodeError } from '../../shared/to-node-error';

/** Binary property names n8n accepts: a plain identifier. */
const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function rowJson(row: ReportRow): IDataObject {
	return { ...row };
}

/** Runs the Report operation. */
export async function reportOperation(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	try {
		const sequenceKey = String(this.getNodeParameter('sequenceKey', 0, '')).trim();
		if (!sequenceKey) throw new InputError('EMPTY_FIELD', 'Sequence Key is empty: give the key of the sequence to report on.');
		const totalSteps = Number(this.getNodeParameter('reportTotalSteps', 0, 0));
		if (!Number.isInteger(totalSteps) || totalSteps < 0) {
			throw new InputError('INVALID_PARAMETER', `Steps in the Sequence must be a whole number (0 = the highest step found), got ${String(totalSteps)}.`);
		}
		const withChart = this.getNodeParameter('reportChart', 0, false) === true;
		const chartProperty = withChart ? String(this.getNodeParameter('reportChartProperty', 0, 'chart')).trim() : '';
		if (withChart && !PROPERTY_NAME.test(chartProperty)) {
			throw new InputError('INVALID_PARAMETER', `Put Chart in Field must be a name of letters, digits and _ (like "chart"), got "${chartProperty}".`);
		}
		const settings = await trustSelfSignedServers(await mailboxSettingsOf(this, this.getNodeParameter('authentication', 0, 'password')), ['IMAP']);
		const { rows } = await readSequenceReport(
			{ sequenceKey, settings, checkJunk: this.getNodeParameter('reportCheckJunk', 0, true) !== false, ...(totalSteps > 0 ? { totalSteps } : {}) },
			{ now: () => new Date(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random: Math.random, log: { warn: (m) => this.logger.warn(m) } },
		);
		const items: INodeExecutionData[] = rows.map((row) => ({ json: rowJson(row), pairedItem: { item: 0 } }));
		if (withChart) {
			const { reportChartPng } = await import('../../../chart/report-chart');
			const png = await reportChartPng(rows);
			const totals = items[items.length - 1];
			totals.binary = { [chartProperty]: await this.helpers.prepareBinaryData(png, `${sequenceKey.replace(/[^A-Za-z0-9._-]+/g, '_')}-report.png`, 'image/png') };
		}
		return [items];
	} catch (error) {
		const failure = error instanceof SequenceError ? error : asSequenceError(error);
		if (!this.continueOnFail()) throw toNodeError(node, failure);
		return [[{ json: { status: 'failed', reason: failure.message, error: failure.toJSON() }, pairedItem: { item: 0 } }]];
	}
}
