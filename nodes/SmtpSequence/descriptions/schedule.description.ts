import type { INodeProperties } from 'n8n-workflow';

const weekdays = [
	{ name: 'Monday', value: 1 },
	{ name: 'Tuesday', value: 2 },
	{ name: 'Wednesday', value: 3 },
	{ name: 'Thursday', value: 4 },
	{ name: 'Friday', value: 5 },
	{ name: 'Saturday', value: 6 },
	{ name: 'Sunday', value: 7 },
];

/**
 * What is in force before the user opens a collection: n8n shows an unchanged collection as "No
 * properties", so the defaults are stated here (the run's items state the zone actually used).
 */
export const defaultsNotice: INodeProperties = {
	displayName:
		"Unless you change them below: emails go out Monday–Friday 09:00–17:00 in the workflow's time zone (Workflow Settings → Timezone; n8n's default is America/New_York) or the prospect's, 60–180 s apart, at most 10 per run and 50 a day per mailbox; a reply, bounce or unsubscribe request stops the prospect. Each output item names the window and time zone it used.",
	name: 'defaultsNotice',
	type: 'notice',
	default: '',
};

/** Sending window and pacing / limits. */
export const scheduleFields: INodeProperties[] = [
	defaultsNotice,
	{
		displayName: 'Sending Window',
		name: 'window',
		type: 'collection',
		placeholder: 'Change Window',
		default: {},
		description:
			"When emails may go out. Defaults: Monday–Friday, 09:00–17:00, in the workflow's time zone (Workflow Settings → Timezone; n8n's own default is America/New_York), or in the prospect's time zone when Prospect Time Zone is set.",
		options: [
			{ displayName: 'Days', name: 'days', type: 'multiOptions', options: weekdays, default: [1, 2, 3, 4, 5] },
			{ displayName: 'From (HH:MM)', name: 'from', type: 'string', default: '09:00' },
			{ displayName: 'To (HH:MM)', name: 'to', type: 'string', default: '17:00' },
			{
				displayName: 'Time Zone Name or ID',
				name: 'timeZone',
				type: 'options',
				typeOptions: { loadOptionsMethod: 'getTimeZones' },
				default: '',
				description:
					'Time zone of the window; the first entry is the workflow\'s. A prospect\'s own time zone takes precedence. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
			},
		],
	},
	{
		displayName: 'Pacing & Limits',
		name: 'pacing',
		type: 'collection',
		placeholder: 'Change Pacing',
		default: {},
		description:
			'Pacing is a random pause between two sends (default 60–180 s), so the mailbox sends like a person, one email at a time. A scheduled run with 10 due prospects therefore takes 10–30 minutes (at most Max Run Duration). Manual runs from the editor (Execute step / Execute workflow) send without pausing unless Pace Manual Runs is on.',
		options: [
			{
				displayName: 'Min Delay Between Sends (Seconds)',
				name: 'minDelaySeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 60,
			},
			{
				displayName: 'Max Delay Between Sends (Seconds)',
				name: 'maxDelaySeconds',
				type: 'number',
				typeOptions: { minValue: 0 },
				default: 180,
			},
			{
				displayName: 'Daily Limit for This Mailbox',
				name: 'dailyLimit',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 50,
				description: "Counted from the Sent folder (all sequences of this mailbox, today in the window's time zone), so it holds across runs and workflows, also when they run at the same time",
			},
			{
				displayName: 'Max Sends per Run',
				name: 'maxPerRun',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
			},
			{
				displayName: 'Max Run Duration (Minutes)',
				name: 'maxRunMinutes',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 15,
				description: 'The run stops starting new sends after this long; keep it below your schedule interval',
			},
			{
				displayName: 'Pace Manual Runs',
				name: 'paceManualRuns',
				type: 'boolean',
				default: false,
				description:
					'Whether manual runs from the editor pause between sends like scheduled runs. Off: they send at once (the output says so), so Execute step does not sit on "Executing node…" for minutes.',
			},
		],
	},
];
