import type { INodeProperties } from 'n8n-workflow';

/** A/B variants of steps: the step's own fields are variant A, each entry here adds B, C … to the step it names. */
export const variantsField: INodeProperties = {
	displayName: 'A/B Variants',
	name: 'variants',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true, sortable: true },
	placeholder: 'Add Variant',
	default: {},
	description:
		"Other versions of a step to test against each other. The step's own subject and body are variant A; each entry adds the next letter (B, C …) to the step it names. Every prospect gets one variant per step, always the same one (a retry or a second worker sends the same), and the variants are spread evenly over the prospects. The variant is part of the email's Message-ID, so replies, bounces and the Report operation know it.",
	options: [
		{
			displayName: 'Variant',
			name: 'variant',
			values: [
				{
					displayName: 'Step',
					name: 'step',
					type: 'number',
					typeOptions: { minValue: 1 },
					default: 1,
					description: 'Number of the step (1 = the first email) this is a variant of',
				},
				{
					displayName: 'Subject',
					name: 'subject',
					type: 'string',
					default: '',
					placeholder: "Empty = the step's subject",
					description: "Subject of this variant; leave empty to test only the body",
				},
				{
					displayName: 'Text Body',
					name: 'text',
					type: 'string',
					typeOptions: { rows: 8 },
					default: '',
					placeholder: "Empty = the step's text body",
					description: "Plain-text body of this variant; leave empty to test only the subject. Expressions and spintax work as in the step.",
				},
				{
					displayName: 'HTML Body',
					name: 'html',
					type: 'string',
					typeOptions: { rows: 4 },
					default: '',
					description: "Optional HTML body of this variant; empty = the step's HTML body, if any",
				},
			],
		},
	],
};
