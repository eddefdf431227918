import type { INodeProperties } from 'n8n-workflow';

const forReport = { show: { operation: ['report'] } };

/** The Report operation's own parameters (sequence key and credential are shared). */
export const reportFields: INodeProperties[] = [
	{
		displayName:
			'One item per step × variant and one totals item, counted from the mailbox alone (Sent, INBOX and Junk): map them into a Google Sheets append or a Slack message.',
		name: 'reportNotice',
		type: 'notice',
		default: '',
		displayOptions: forReport,
	},
	{
		displayName: 'Steps in the Sequence',
		name: 'reportTotalSteps',
		type: 'number',
		typeOptions: { minValue: 0 },
		default: 0,
		displayOptions: forReport,
		description: 'How many steps the sequence has, so prospects who got the last one count as finished. 0 = the highest step found in Sent.',
	},
	{
		displayName: 'Add Chart',
		name: 'reportChart',
		type: 'boolean',
		default: false,
		displayOptions: forReport,
		description: 'Whether to add a PNG chart (the funnel per step and the reply rate per variant) to the totals item as binary data',
	},
	{
		displayName: 'Put Chart in Field',
		name: 'reportChartProperty',
		type: 'string',
		default: 'chart',
		displayOptions: { show: { operation: ['report'], reportChart: [true] } },
		description: 'Name of the binary property of the totals item that holds the PNG',
	},
	{
		displayName: 'Also Check Junk Folder',
		name: 'reportCheckJunk',
		type: 'boolean',
		default: true,
		displayOptions: forReport,
		description: 'Whether replies and bounces filed as spam count too (as they do for Send Due Steps)',
	},
];
