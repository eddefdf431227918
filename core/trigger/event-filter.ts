/**
 * Whether a classified message is emitted, with the reason when it is not (logged, so a user asking "why
 * did my reply not trigger?" gets an answer from the n8n log).
 */
import type { Classification } from '../classify/types';
import type { SequenceMatch } from './sequence-match';
import type { TriggerOptions } from './trigger-options';

/** The decision for one message. */
export type EmitDecision = { emit: true } | { emit: false; reason: string };

/** Applies scope and event choice. Our own outgoing copies are never emitted. */
export function decideEmit(
	message: { classification: Classification; match: SequenceMatch | null; ownMessage: boolean },
	options: Pick<TriggerOptions, 'events' | 'scope'>,
): EmitDecision {
	if (message.ownMessage) return { emit: false, reason: 'own outgoing sequence message' };
	if (options.scope === 'sequence' && !message.match) return { emit: false, reason: 'does not refer to an SMTP Sequence email' };
	if (!options.events.has(message.classification.class)) {
		return { emit: false, reason: `event "${message.classification.class}" not selected` };
	}
	return { emit: true };
}
