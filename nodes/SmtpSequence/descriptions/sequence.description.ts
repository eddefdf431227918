import type { INodeProperties } from 'n8n-workflow';

/** Operation, sequence key and the prospect fields read from each input item. */
export const sequenceFields: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Send Due Steps',
				value: 'send',
				action: 'Send the step that is due to each prospect',
				description: 'Send each prospect the step that is due now, or nothing and say why',
			},
			{
				name: 'Preview',
				value: 'preview',
				action: 'Preview every step for each prospect',
				description: 'Send nothing: show every step as each prospect will get it (variables filled in) and when it would go out',
			},
			{
				name: 'Record Unsubscribe',
				value: 'recordUnsubscribe',
				action: 'Record a one click unsubscribe',
				description: 'After a Webhook node: check the signed unsubscribe link a prospect used and stop the sequence for them',
			},
			{
				name: 'Report',
				value: 'report',
				action: 'Report on the sequence',
				description: 'Send nothing: count sends, replies, bounces, unsubscribes … per step and A/B variant, from the mailbox',
			},
		],
		default: 'send',
	},
	{
		displayName: 'Sequence Key',
		name: 'sequenceKey',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'q4-agencies-v1',
		description:
			'Stable name of this sequence. It seeds the Message-IDs the history is read from: changing it starts a new sequence for everyone.',
	},
	{
		displayName: 'Prospect Email',
		name: 'email',
		type: 'string',
		required: true,
		default: '={{ $json.email }}',
		description: 'The address to send to. A bare address (jane@acme.com); international domains are fine.',
	},
	{
		displayName: 'Prospect Name',
		name: 'name',
		type: 'string',
		default: '',
		placeholder: '{{ $json.firstName }} {{ $json.lastName }}',
		description: 'Display name in the To header (optional)',
	},
	{
		displayName: 'Prospect Time Zone Name or ID',
		name: 'timeZone',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getProspectTimeZones' },
		default: '',
		description:
			'Time zone of the prospect: the sending window then opens in their local time. Usually an expression per prospect, e.g. {{ $json.timezone }} holding "Europe/Berlin"; a name that is not an IANA zone fails that prospect with the closest zone suggested. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Stop This Prospect',
		name: 'stop',
		type: 'boolean',
		default: false,
		description: 'Whether your CRM says to stop: map a field here (e.g. {{ $json.status === "won" }}). Stopped prospects get nothing more.',
	},
];
