/**
 * One read inbound message → the trigger's decision: match to a sequence email, filter, and build the
 * item. Everything the watcher does to a message after reading it (`InboundReader.read`) that is not I/O.
 */
import type { InboundReading, ReadFacts } from '../classify/inbound';
import type { Classification } from '../classify/types';
import { decideEmit, type EmitDecision } from './event-filter';
import { replyItem, type JsonObject, type MessageLocation } from './reply-item';
import { messageKey } from './seen-keys';
import { isOwnSequenceMessage, matchSequence, type SequenceKeyIndex, type SequenceMatch } from './sequence-match';
import type { TriggerOptions } from './trigger-options';

/** The outcome for one message. */
export interface ExaminedMessage {
	/** Dedupe key (see `messageKey`). */
	key: string;
	where: MessageLocation;
	facts: ReadFacts;
	classification: Classification;
	match: SequenceMatch | null;
	decision: EmitDecision;
	/** The item json, when the decision is to emit. */
	item?: JsonObject;
}

/** Examines one read message. */
export function examineMessage(reading: InboundReading, where: MessageLocation, options: TriggerOptions, keys: SequenceKeyIndex): ExaminedMessage {
	const { facts, classification, refs } = reading;
	const match = matchSequence(facts, classification, refs, keys);
	const decision = decideEmit({ classification, match, ownMessage: isOwnSequenceMessage(facts) }, options);
	const examined: ExaminedMessage = { key: messageKey(facts), where, facts, classification, match, decision };
	if (decision.emit) examined.item = replyItem(facts, classification, match, where, options);
	return examined;
}
