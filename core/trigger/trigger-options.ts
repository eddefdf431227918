/**
 * The trigger's settings, as plain data: what the node reads from its parameters and hands to the
 * watcher. Each option documents its default; `resolveTriggerOptions` merges user input over them.
 */
import { InputError } from '../errors';
import type { ClassificationClass } from '../classify/types';
import { DEFAULT_ATTACHMENT_LIMITS, type AttachmentLimits } from './attachments';

/** Every event the trigger can emit (the classifier's closed union). */
export const ALL_EVENTS: readonly ClassificationClass[] = ['reply', 'autoReply', 'bounce', 'unsubscribe', 'complaint', 'deliveryReport'];

/** Emitted unless the user picks otherwise: everything but successful delivery reports. */
export const DEFAULT_EVENTS: readonly ClassificationClass[] = ['reply', 'autoReply', 'bounce', 'unsubscribe', 'complaint'];

/** Which messages are considered at all. */
export type TriggerScope =
	/** Only messages that answer (or return) an SMTP Sequence email: our Message-IDs in their refs. */
	| 'sequence'
	/** Every new message, classified; sequence fields are empty when it answers none of ours. */
	| 'all';

/** Resolved trigger options. */
export interface TriggerOptions {
	/** Events to emit. Default `DEFAULT_EVENTS`. */
	events: ReadonlySet<ClassificationClass>;
	/** Default `'sequence'`. */
	scope: TriggerScope;
	/** Add the full decoded `text` and `html` bodies to each item. Default false. */
	includeBodies: boolean;
	/** Add attachments as binary properties (`attachment_0`, …). Default false. */
	includeAttachments: boolean;
	/** Caps on the attachments of one message. Default `DEFAULT_ATTACHMENT_LIMITS` (10, 10 MiB each, 25 MiB, 100 characters). */
	attachmentLimits: AttachmentLimits;
	/** Add every top-level header (`headers`, name → values). Default false. */
	includeHeaders: boolean;
	/**
	 * Sequence keys the user shares with the SMTP Sequence node, so the trigger can name the sequence
	 * and tell the prospect from a colleague replying in the thread. Default none.
	 */
	sequenceKeys: readonly string[];
}

/** What the node passes in; anything missing takes its default. */
export interface TriggerOptionsInput {
	events?: readonly string[];
	scope?: string;
	includeBodies?: boolean;
	includeAttachments?: boolean;
	/** Most attachments per message. */
	maxAttachments?: number;
	/** Largest attachment, in MB. */
	maxAttachmentMb?: number;
	/** Most attachment bytes per message, in MB. */
	maxAttachmentsTotalMb?: number;
	/** Longest attachment file name, in characters. */
	maxAttachmentNameLength?: number;
	includeHeaders?: boolean;
	/** Comma- or newline-separated. */
	sequenceKeys?: string;
}

const MB = 1024 * 1024;

/** A positive number from a parameter, or the default when not given. */
function positive(value: number | undefined, name: string, fallback: number, integer: boolean): number {
	if (value === undefined) return fallback;
	if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
		throw new InputError('INVALID_PARAMETER', `${name} must be a positive ${integer ? 'whole number' : 'number'}, got ${String(value)}.`);
	}
	return value;
}

function attachmentLimits(input: TriggerOptionsInput): AttachmentLimits {
	const d = DEFAULT_ATTACHMENT_LIMITS;
	return {
		maxCount: positive(input.maxAttachments, 'Max Attachments', d.maxCount, true),
		maxBytes: Math.round(positive(input.maxAttachmentMb, 'Max Attachment Size (MB)', d.maxBytes / MB, false) * MB),
		maxTotalBytes: Math.round(positive(input.maxAttachmentsTotalMb, 'Max Total Attachment Size (MB)', d.maxTotalBytes / MB, false) * MB),
		maxNameLength: positive(input.maxAttachmentNameLength, 'Max Attachment Name Length', d.maxNameLength, true),
	};
}

/** Merges user input over the defaults; rejects unknown events or scopes with a message saying which. */
export function resolveTriggerOptions(input: TriggerOptionsInput = {}): TriggerOptions {
	const events = input.events ?? DEFAULT_EVENTS;
	for (const event of events) {
		if (!(ALL_EVENTS as readonly string[]).includes(event)) {
			throw new InputError('INVALID_PARAMETER', `Unknown event "${event}"; expected one of ${ALL_EVENTS.join(', ')}.`);
		}
	}
	if (events.length === 0) throw new InputError('INVALID_PARAMETER', 'Choose at least one event to emit.');
	const scope = input.scope ?? 'sequence';
	if (scope !== 'sequence' && scope !== 'all') {
		throw new InputError('INVALID_PARAMETER', `Unknown scope "${scope}"; expected "sequence" or "all".`);
	}
	const sequenceKeys = (input.sequenceKeys ?? '')
		.split(/[,\n]/)
		.map((key) => key.trim())
		.filter((key) => key.length > 0);
	return {
		events: new Set(events as readonly ClassificationClass[]),
		scope,
		includeBodies: input.includeBodies ?? false,
		includeAttachments: input.includeAttachments ?? false,
		attachmentLimits: attachmentLimits(input),
		includeHeaders: input.includeHeaders ?? false,
		sequenceKeys: [...new Set(sequenceKeys)],
	};
}
