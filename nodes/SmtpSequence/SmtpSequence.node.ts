import {
	NodeConnectionTypes,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { authenticationProperty, MAILBOX_TEST_METHOD, outreachMailboxConnectionTest } from '../shared/mailbox-credential';
import { getProspectTimeZones, getTimeZones } from './actions/load-options';
import { recordUnsubscribeOperation } from './actions/record-unsubscribe.operation';
import { reportOperation } from './actions/report.operation';
import { runOperation } from './actions/run.operation';
import { hiddenFor } from './descriptions/display';
import { optionFields } from './descriptions/options.description';
import { scheduleFields } from './descriptions/schedule.description';
import { sequenceFields } from './descriptions/sequence.description';
import { reportFields } from './descriptions/report.description';
import { stepsField } from './descriptions/steps.description';
import { unsubscribeFields } from './descriptions/unsubscribe.description';
import { variantsField } from './descriptions/variants.description';

export class SmtpSequence implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMTP Sequence',
		name: 'smtpSequence',
		icon: { light: 'file:smtpSequence.svg', dark: 'file:smtpSequence.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{ $parameter["operation"] === "preview" ? "Preview" : $parameter["operation"] === "recordUnsubscribe" ? "Record Unsubscribe" : $parameter["operation"] === "report" ? "Report" : "Send Due Steps" }}',
		description: 'Send each prospect the step of an email sequence that is due now, from your own mailbox',
		defaults: { name: 'SMTP Sequence' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		// one per Authentication; the password one is tested on save (n8n 2.41 tests OAuth2 credentials only
		// for a stored token, whatever a node says)
		credentials: [
			{ name: 'outreachMailboxApi', required: true, testedBy: 'outreachMailboxConnectionTest', displayOptions: { show: { authentication: ['password'] } } },
			{ name: 'outreachMailboxMicrosoftOAuth2Api', required: true, displayOptions: { show: { authentication: ['microsoftOAuth2'] } } },
			{ name: 'outreachMailboxGoogleOAuth2Api', required: true, displayOptions: { show: { authentication: ['googleOAuth2'] } } },
			{ name: 'outreachMailboxOAuth2Api', required: true, displayOptions: { show: { authentication: ['oAuth2'] } } },
		],
		properties: [
			authenticationProperty,
			...sequenceFields.filter((p) => p.name === 'operation'),
			...hiddenFor(['recordUnsubscribe'], sequenceFields.filter((p) => p.name === 'sequenceKey')),
			...unsubscribeFields,
			...hiddenFor(
				['recordUnsubscribe', 'report'],
				[...sequenceFields.filter((p) => p.name !== 'operation' && p.name !== 'sequenceKey'), stepsField, variantsField, ...scheduleFields, ...optionFields],
			),
			// last: the Report operation shows only these after the sequence key
			...reportFields,
		],
	};

	methods = {
		credentialTest: { [MAILBOX_TEST_METHOD]: outreachMailboxConnectionTest },
		loadOptions: { getTimeZones, getProspectTimeZones },
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0);
		if (operation === 'recordUnsubscribe') return recordUnsubscribeOperation.call(this);
		if (operation === 'report') return reportOperation.call(this);
		return runOperation.call(this, operation === 'preview' ? 'preview' : 'send');
	}
}
