import type { INodeProperties } from 'n8n-workflow';

/** The ordered steps of the sequence. */
export const stepsField: INodeProperties = {
	displayName: 'Steps',
	name: 'steps',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, sortable: true },
	placeholder: 'Add Step',
	default: {},
	required: true,
	description:
		'The emails of the sequence, in order. Use expressions for personalisation ({{ $json.firstName }}) and spintax for variety ({Hi|Hello|Hey}). A variable that is missing for a prospect is an error for that prospect, never an empty gap in a sent email.',
	options: [
		{
			displayName: 'Step',
			name: 'step',
			values: [
				{
					displayName: 'Wait Before This Step',
					name: 'waitAmount',
					type: 'number',
					typeOptions: { minValue: 0 },
					default: 3,
					description: 'How long after the previous step (ignored for the first step)',
				},
				{
					displayName: 'Wait Unit',
					name: 'waitUnit',
					type: 'options',
					options: [
						{ name: 'Minutes', value: 'minutes' },
						{ name: 'Hours', value: 'hours' },
						{ name: 'Days', value: 'days' },
						{ name: 'Business Days', value: 'businessDays' },
					],
					default: 'businessDays',
				},
				{
					displayName: 'Send as Reply in the Same Thread',
					name: 'replyInThread',
					type: 'boolean',
					default: true,
					description:
						'Whether a follow-up answers the previous email: subject "Re: <first subject>", In-Reply-To and References set, so Gmail and Outlook show one conversation (ignored for the first step)',
				},
				{
					displayName: 'Subject',
					name: 'subject',
					type: 'string',
					default: '',
					description: 'Subject line. For follow-ups sent in the thread, leave empty to use "Re: <first subject>".',
				},
				{
					displayName: 'Text Body',
					name: 'text',
					type: 'string',
					typeOptions: { rows: 8 },
					default: '',
					description: 'Plain-text body (what most cold emails should be)',
				},
				{
					displayName: 'HTML Body',
					name: 'html',
					type: 'string',
					typeOptions: { rows: 4 },
					default: '',
					description: 'Optional HTML version; the text body is always sent as well. Values of expressions are HTML-escaped here unless listed in Message Options → HTML Fields Not Escaped.',
				},
			],
		},
	],
};
