import {
	NodeConnectionTypes,
	NodeOperationError,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import { checkImap } from '../../transport/mailbox-check';
import {
	MAILBOX_TEST_METHOD,
	OUTREACH_MAILBOX_CREDENTIAL,
	mailboxSettingsFrom,
	outreachMailboxConnectionTest,
} from '../shared/mailbox-credential';

export class ImapReplyTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'IMAP Reply Trigger',
		name: 'imapReplyTrigger',
		icon: { light: 'file:imapReplyTrigger.svg', dark: 'file:imapReplyTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: 'Replies, bounces, auto-replies',
		description: 'Starts the workflow when a prospect replies to an SMTP Sequence email',
		defaults: { name: 'IMAP Reply Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'outreachMailboxApi', required: true, testedBy: 'outreachMailboxConnectionTest' }],
		properties: [],
	};

	methods = { credentialTest: { [MAILBOX_TEST_METHOD]: outreachMailboxConnectionTest } };

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const settings = mailboxSettingsFrom(await this.getCredentials(OUTREACH_MAILBOX_CREDENTIAL));
		try {
			await checkImap(settings);
		} catch (error) {
			throw new NodeOperationError(this.getNode(), error instanceof Error ? error : String(error));
		}
		return { closeFunction: async () => undefined };
	}
}
