import {
	NodeConnectionTypes,
	NodeOperationError,
	type IExecuteFunctions,
	type INodeExecutionData,
	type INodeType,
	type INodeTypeDescription,
} from 'n8n-workflow';
import { sequenceMessageId } from '../../core/mail/message-id';
import {
	MAILBOX_TEST_METHOD,
	OUTREACH_MAILBOX_CREDENTIAL,
	mailboxSettingsFrom,
	outreachMailboxConnectionTest,
} from '../shared/mailbox-credential';

export class SmtpSequence implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'SMTP Sequence',
		name: 'smtpSequence',
		icon: { light: 'file:smtpSequence.svg', dark: 'file:smtpSequence.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle: '={{ $parameter["operation"] === "preview" ? "Preview" : "Send Due Steps" }}',
		description: 'Send each prospect the step of an email sequence that is due now, from your own mailbox',
		defaults: { name: 'SMTP Sequence' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'outreachMailboxApi', required: true, testedBy: 'outreachMailboxConnectionTest' }],
		properties: [
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Preview', value: 'preview', action: 'Preview the next email of each prospect', description: 'Send nothing; show what would be sent' },
				],
				default: 'preview',
			},
			{
				displayName: 'Sequence Key',
				name: 'sequenceKey',
				type: 'string',
				required: true,
				default: '',
				description: 'Stable name of this sequence; it seeds the Message-IDs, so changing it starts a new sequence',
			},
			{
				displayName: 'Prospect Email',
				name: 'email',
				type: 'string',
				default: '={{ $json.email }}',
			},
		],
	};

	methods = { credentialTest: { [MAILBOX_TEST_METHOD]: outreachMailboxConnectionTest } };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const settings = mailboxSettingsFrom(await this.getCredentials(OUTREACH_MAILBOX_CREDENTIAL));
		const domain = settings.email.slice(settings.email.lastIndexOf('@') + 1);
		const items = this.getInputData();
		const out: INodeExecutionData[] = [];
		for (let i = 0; i < items.length; i++) {
			const sequenceKey = this.getNodeParameter('sequenceKey', i) as string;
			const email = String(this.getNodeParameter('email', i));
			if (!sequenceKey) throw new NodeOperationError(this.getNode(), 'Sequence Key is empty', { itemIndex: i });
			out.push({ json: { email, sequenceKey, step: 1, messageId: sequenceMessageId(sequenceKey, email, 1, domain) }, pairedItem: { item: i } });
		}
		return [out];
	}
}
