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
				action: 'Preview the next email of each prospect',
				description: 'Send nothing: show the next email of each prospect and when every remaining step would go out',
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
		displayName: 'Prospect Time Zone',
		name: 'timeZone',
		type: 'string',
		default: '',
		placeholder: '{{ $json.timezone }}',
		description: "IANA time zone of the prospect (e.g. Europe/Berlin). When set, the sending window uses the prospect's local time.",
	},
	{
		displayName: 'Stop This Prospect',
		name: 'stop',
		type: 'boolean',
		default: false,
		description: 'Whether your CRM says to stop: map a field here (e.g. {{ $json.status === "won" }}). Stopped prospects get nothing more.',
	},
];
