/**
 * One raw message → the trigger's decision: parse, classify, match to a sequence email, filter, and
 * build the item. Everything the watcher does to a message that is not I/O.
 */
import { classify } from '../classify/classify';
import { parseMessage } from '../classify/parse';
import { findSequenceRefs } from '../classify/refs';
import type { Classification, MailFacts } from '../classify/types';
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
	facts: MailFacts;
	classification: Classification;
	match: SequenceMatch | null;
	decision: EmitDecision;
	/** The item json, when the decision is to emit. */
	item?: JsonObject;
}

/** Examines one fetched message. */
export async function examineMessage(
	raw: Buffer,
	where: MessageLocation,
	options: TriggerOptions,
	keys: SequenceKeyIndex,
): Promise<ExaminedMessage> {
	const facts = await parseMessage(raw);
	const classification = classify(facts);
	const match = matchSequence(facts, classification, findSequenceRefs(facts), keys);
	const decision = decideEmit({ classification, match, ownMessage: isOwnSequenceMessage(facts) }, options);
	const examined: ExaminedMessage = { key: messageKey(facts), where, facts, classification, match, decision };
	if (decision.emit) examined.item = replyItem(facts, classification, match, where, options);
	return examined;
}
