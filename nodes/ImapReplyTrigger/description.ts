import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_EVENTS } from '../../core/trigger/trigger-options';

/** The trigger's parameters: events, scope, folders and output options. */
export const triggerProperties: INodeProperties[] = [
	{
		// not "Events": n8n's node creator turns a trigger parameter displayed as "Event(s)" into one
		// "On …" action per option, and picking one keeps only that event (a stop-on-reply flow then
		// misses bounces and unsubscribe requests)
		displayName: 'Start the Workflow On',
		name: 'events',
		type: 'multiOptions',
		default: [...DEFAULT_EVENTS],
		description:
			'Which kinds of incoming mail start the workflow. The defaults are what a stop-on-reply flow needs: replies, auto-replies, bounces, unsubscribe requests and spam complaints.',
		options: [
			{ name: 'Auto-Reply', value: 'autoReply', description: 'Out-of-office and other automatic answers, with the return date when given' },
			{ name: 'Bounce', value: 'bounce', description: 'Delivery failures, with the failed recipient, status code and hard/soft; delay warnings too, with bounce.final false' },
			{ name: 'Complaint', value: 'complaint', description: 'Spam complaints from feedback loops (ARF reports)' },
			{ name: 'Delivery Report', value: 'deliveryReport', description: 'Successful delivery notifications (not a bounce)' },
			{ name: 'Reply', value: 'reply', description: 'A person answered' },
			{ name: 'Unsubscribe Request', value: 'unsubscribe', description: 'A person asked to be removed' },
		],
	},
	{
		displayName: 'Sequence Keys',
		name: 'sequenceKeys',
		type: 'string',
		default: '',
		placeholder: 'q3-founders, q3-agencies',
		description:
			'The Sequence Key values of your SMTP Sequence nodes, comma-separated. With them each item names its sequence (sequenceKey), confirms the sender is the prospect (prospectVerified) and flags a colleague answering in the thread. Without them sequenceKey is null and prospectVerified false: the message still belongs to one of your sequences (sequenceHash).',
	},
	{
		displayName: 'Messages to Consider',
		name: 'scope',
		type: 'options',
		default: 'sequence',
		options: [
			{
				name: 'SMTP Sequence Emails Only',
				value: 'sequence',
				description: 'Only mail that answers or returns an email sent by the SMTP Sequence node',
			},
			{ name: 'Every New Message', value: 'all', description: 'Every new message, classified; sequence fields are empty when it answers none' },
		],
	},
	{
		displayName: 'Watch Junk Folder',
		name: 'watchJunk',
		type: 'boolean',
		// the same default as SMTP Sequence's "Also Check Junk Folder": a reply filed as spam stops the
		// sequence there, so the trigger reports it too
		default: true,
		description:
			'Whether to also watch the Junk/Spam folder (found by its \\Junk flag), where some replies and bounces land. On by default, like SMTP Sequence\'s "Also Check Junk Folder". Turn it off for a mailbox without one.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Include Attachments',
				name: 'includeAttachments',
				type: 'boolean',
				default: false,
				description:
					'Whether to add attachments as binary properties (attachment_0, attachment_1, …). File names are reduced to a safe base name; what the limits leave out is listed in attachmentsOmitted.',
			},
			{
				displayName: 'Max Attachments',
				name: 'maxAttachments',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 10,
				description: 'Most attachments kept per message; the others are listed in attachmentsOmitted',
			},
			{
				displayName: 'Max Attachment Size (MB)',
				name: 'maxAttachmentMb',
				type: 'number',
				typeOptions: { minValue: 0.001, numberPrecision: 3 },
				default: 10,
				description: 'Larger attachments are not kept (listed in attachmentsOmitted)',
			},
			{
				displayName: 'Max Total Attachment Size (MB)',
				name: 'maxAttachmentsTotalMb',
				type: 'number',
				typeOptions: { minValue: 0.001, numberPrecision: 3 },
				default: 25,
				description: 'Most attachment data kept per message; attachments past it are listed in attachmentsOmitted',
			},
			{
				displayName: 'Max Attachment Name Length',
				name: 'maxAttachmentNameLength',
				type: 'number',
				typeOptions: { minValue: 1 },
				default: 100,
				description: 'Longer file names are shortened, keeping the extension',
			},
			{
				displayName: 'Include Full Text and HTML',
				name: 'includeBodies',
				type: 'boolean',
				default: false,
				description: 'Whether to add the whole decoded text and HTML bodies, quoted history included',
			},
			{
				displayName: 'Include Raw Headers',
				name: 'includeHeaders',
				type: 'boolean',
				default: false,
				description: 'Whether to add every header of the message',
			},
			{
				displayName: 'Other Folders',
				name: 'otherFolders',
				type: 'string',
				default: '',
				placeholder: 'Replies, Archive/2025',
				description: 'More folders to watch, comma-separated, as the server names them',
			},
		],
	},
];
