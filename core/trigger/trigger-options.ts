/**
 * The trigger's settings, as plain data: what the node reads from its parameters and hands to the
 * watcher. Each option documents its default; `resolveTriggerOptions` merges user input over them.
 */
import { InputError } from '../errors';
import type { ClassificationClass } from '../classify/types';

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
	includeHeaders?: boolean;
	/** Comma- or newline-separated. */
	sequenceKeys?: string;
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
		includeHeaders: input.includeHeaders ?? false,
		sequenceKeys: [...new Set(sequenceKeys)],
	};
}
