import type { INodeProperties } from 'n8n-workflow';

const show = { show: { operation: ['recordUnsubscribe'] } };

/**
 * The Record Unsubscribe operation: what an unsubscribe webhook gives it (the token from the link) and
 * the secret the sending workflow signed the link with.
 */
export const unsubscribeFields: INodeProperties[] = [
	{
		displayName: 'Token',
		name: 'unsubscribeToken',
		type: 'string',
		default: '={{ $json.query.t }}',
		required: true,
		description:
			'The token of the signed link (its query parameter "t"), as the Webhook node before this one gives it. Valid: a note is filed in the mailbox and the sequence sends the prospect nothing more; forged or expired: nobody is stopped. See the example workflow "unsubscribe-webhook".',
		displayOptions: show,
	},
	{
		displayName: 'Unsubscribe Secret',
		name: 'unsubscribeSecret',
		type: 'string',
		typeOptions: { password: true },
		default: '',
		required: true,
		description: 'The same secret as in the sending SMTP Sequence node (Message Options → Unsubscribe Secret)',
		displayOptions: show,
	},
	{
		displayName: 'One-Click Request',
		name: 'oneClick',
		type: 'boolean',
		default: '={{ $json.body?.["List-Unsubscribe"] === "One-Click" }}',
		description:
			'Whether the request is the RFC 8058 one-click POST of a mail program (body List-Unsubscribe=One-Click) rather than a click on the footer link; only changes the wording of the note',
		displayOptions: show,
	},
];
