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
					description: 'How long after the previous step. Step 1 ignores it: it goes out as soon as the sending window is open. Days and business days are whole numbers.',
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
						'Whether a follow-up answers the previous email: subject "Re: <first subject>", In-Reply-To and References set, so Gmail and Outlook show one conversation. Step 1 ignores it.',
				},
				{
					displayName: 'Variant Choice',
					name: 'variantChoice',
					type: 'options',
					options: [
						{
							name: "Follow the Prospect's Earlier Variant",
							value: 'follow',
							description: 'A prospect who got variant B of the nearest earlier step with variants gets B here too (same track)',
						},
						{ name: 'Choose on Its Own', value: 'own', description: 'Each prospect gets a variant of this step chosen independently of earlier steps' },
					],
					default: 'follow',
					description: 'Only for a step that has A/B Variants: how each prospect\'s variant of this step is chosen',
				},
				{
					displayName: 'Subject',
					name: 'subject',
					type: 'string',
					default: '',
					placeholder: 'Step 1: required. Follow-ups: empty = "Re: <first subject>"',
					description:
						'Subject line. For follow-ups sent in the thread, leave empty to use "Re: <first subject>". Spintax such as {Quick question|Question} is resolved per prospect when the email is sent, so the expression preview shows it raw.',
				},
				{
					displayName: 'Text Body',
					name: 'text',
					type: 'string',
					typeOptions: { rows: 8 },
					default: '',
					description:
						'Plain-text body (what most cold emails should be). Spintax such as {Hi|Hello} is resolved per prospect when the email is sent (the same choice on a retry), so the expression preview shows it raw.',
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
