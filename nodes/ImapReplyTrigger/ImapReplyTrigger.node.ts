import {
	NodeConnectionTypes,
	NodeOperationError,
	type INodeType,
	type INodeTypeDescription,
	type ITriggerFunctions,
	type ITriggerResponse,
} from 'n8n-workflow';
import type { MailboxSettings } from '../../core/mailbox/settings';
import type { ClassificationClass } from '../../core/classify/types';
import { ALL_EVENTS, DEFAULT_EVENTS, type TriggerOptions } from '../../core/trigger/trigger-options';
import { resolveWatchedFolders } from '../../transport/watched-folders';
import { findRecentReply, RECENT_LIMIT } from '../../transport/reply-recent';
import { ReplyTriggerEngine } from '../../transport/reply-trigger-engine';
import { trustSelfSignedServers } from '../../transport/server-certificate';
import { readAttachments } from '../../core/trigger/attachments';
import {
	authenticationProperty,
	MAILBOX_TEST_METHOD,
	mailboxSettingsOf,
	outreachMailboxConnectionTest,
} from '../shared/mailbox-credential';
import { triggerProperties } from './description';
import { readTriggerParameters } from './trigger-parameters';
import { toNodeError } from '../shared/to-node-error';
import { staticDataStore, toExecutionData } from './trigger-output';

const EVENT_NAMES: Record<ClassificationClass, string> = {
	reply: 'replies',
	autoReply: 'auto-replies',
	bounce: 'bounces',
	unsubscribe: 'unsubscribe requests',
	complaint: 'complaints',
	deliveryReport: 'delivery reports',
};

/** "replies, bounces and complaints", in the order of the event list. */
function describeEvents(events: ReadonlySet<ClassificationClass>): string {
	const names = ALL_EVENTS.filter((e) => events.has(e)).map((e) => EVENT_NAMES[e]);
	return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : (names[0] ?? 'no events');
}

/** The same names, each with a capital letter (for the canvas). */
function capitalized(names: Record<ClassificationClass, string>): Record<string, string> {
	return Object.fromEntries(Object.entries(names).map(([event, name]) => [event, name.charAt(0).toUpperCase() + name.slice(1)]));
}

/**
 * The canvas subtitle, an expression the editor evaluates: the events chosen, in the order of the list —
 * or, since the canvas shows about 30 characters, a short name for every event ("All events") and for every
 * stop event, the default ("All stop events").
 */
const EVENTS_SUBTITLE =
	`={{ ((chosen) => ${JSON.stringify(ALL_EVENTS)}.every((e) => chosen.includes(e)) ? "All events"` +
	` : ${JSON.stringify(DEFAULT_EVENTS)}.every((e) => chosen.includes(e)) ? "All stop events"` +
	` : chosen.map((e) => (${JSON.stringify(capitalized(EVENT_NAMES))})[e] || e).join(", ") || "No events selected")($parameter["events"] || []) }}`;

/** Manual test run: emit the newest matching message at once, or say clearly that there is none. */
async function emitRecent(this: ITriggerFunctions, settings: MailboxSettings, folders: string[], options: TriggerOptions): Promise<void> {
	const found = await findRecentReply(settings, folders, options).catch((error: unknown) => {
		throw toNodeError(this.getNode(), error);
	});
	if (!found) {
		const events = describeEvents(options.events);
		throw new NodeOperationError(
			this.getNode(),
			`No matching message among the last ${RECENT_LIMIT} messages of ${folders.join(', ')} (Start the Workflow On: ${events}${options.scope === 'sequence' ? '; SMTP Sequence emails only' : ''})`,
			{
				description: `A test run shows the newest message that would trigger the workflow and does not wait for new mail. Only ${events} count, as chosen in "Start the Workflow On"${options.scope === 'sequence' ? ', and only answers to SMTP Sequence emails ("Messages to Consider")' : ''}. Reply to one of your sequence emails, or add events there, then test again. Once the workflow is active, new replies start it within about a second.`,
			},
		);
	}
	const attachments = options.includeAttachments ? await readAttachments(found.source, options.attachmentLimits) : undefined;
	// the same fields as the items of an active trigger, so the editor can map every one of them
	const item = { json: { ...found.examined.item, setAside: [], setAsideCount: 0 }, ...(attachments ? { attachments } : {}) };
	this.emit([await toExecutionData(this, [item])]);
}

export class ImapReplyTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'IMAP Reply Trigger',
		name: 'imapReplyTrigger',
		icon: { light: 'file:imapReplyTrigger.svg', dark: 'file:imapReplyTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: EVENTS_SUBTITLE,
		eventTriggerDescription: 'Waiting for a reply, bounce or other answer to your sequence emails',
		activationMessage:
			'Replies to your sequence emails will now start this workflow within about a second. Mail that arrived before activation is not read.',
		description: 'Starts the workflow when a prospect replies to an SMTP Sequence email',
		defaults: { name: 'IMAP Reply Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		// one per Authentication; the password one is tested on save (n8n 2.41 tests OAuth2 credentials only
		// for a stored token, whatever a node says)
		credentials: [
			{ name: 'outreachMailboxApi', required: true, testedBy: 'outreachMailboxConnectionTest', displayOptions: { show: { authentication: ['password'] } } },
			{ name: 'outreachMailboxMicrosoftOAuth2Api', required: true, displayOptions: { show: { authentication: ['microsoftOAuth2'] } } },
			{ name: 'outreachMailboxGoogleOAuth2Api', required: true, displayOptions: { show: { authentication: ['googleOAuth2'] } } },
			{ name: 'outreachMailboxOAuth2Api', required: true, displayOptions: { show: { authentication: ['oAuth2'] } } },
		],
		properties: [authenticationProperty, ...triggerProperties],
	};

	methods = { credentialTest: { [MAILBOX_TEST_METHOD]: outreachMailboxConnectionTest } };

	async trigger(this: ITriggerFunctions): Promise<ITriggerResponse> {
		const node = this.getNode();
		let settings: MailboxSettings;
		let folders: string[];
		const { folders: choice, options } = readTriggerParameters(this);
		try {
			settings = await trustSelfSignedServers(await mailboxSettingsOf(this, this.getNodeParameter('authentication', 'password')), ['IMAP']);
			folders = await resolveWatchedFolders(settings, choice);
		} catch (error) {
			throw toNodeError(node, error);
		}
		if (this.getMode() === 'manual') {
			return { manualTriggerFunction: async () => await emitRecent.call(this, settings, folders, options) };
		}
		const watcher = new ReplyTriggerEngine({
			settings,
			folders,
			options,
			store: staticDataStore(this.getWorkflowStaticData('node')),
			emit: async (replies, commit) => {
				// n8n stores attachments here, and that can fail: then nothing is marked handled yet
				const items = await toExecutionData(this, replies);
				// n8n's emit saves the static data commit() just wrote, then starts the execution;
				// this.emit is read at call time: n8n may replace it after trigger() returns
				commit();
				this.emit([items]);
			},
			onFatal: (error, folder) => this.emitError(toNodeError(node, error, { context: `Stopped watching "${folder}"` })),
			logger: this.logger,
		});
		try {
			await watcher.start();
		} catch (error) {
			throw toNodeError(node, error);
		}
		return { closeFunction: async () => await watcher.stop() };
	}
}
