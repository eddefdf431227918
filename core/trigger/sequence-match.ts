/**
 * Which sequence email a message belongs to, and whose answer it is. The hashes in our Message-IDs name
 * the sequence and the prospect without their clear text; with the sequence key the trigger can compute
 * them and check which address is the prospect (a colleague answering in the thread is not).
 */
import { findAddresses } from '../classify/address-scan';
import type { SequenceRefs } from '../classify/refs';
import type { ReadFacts } from '../classify/inbound';
import type { Classification } from '../classify/types';
import { ledgerAddress, parseSequenceMessageId, prospectHash, sequenceHash, variantName, type SequenceMessageRef } from '../mail/message-id';

/** Sequence keys by their hash. */
export type SequenceKeyIndex = ReadonlyMap<string, string>;

/** Builds the hash → key index of the keys the user gave. */
export function indexSequenceKeys(keys: readonly string[]): SequenceKeyIndex {
	return new Map(keys.map((key) => [sequenceHash(key), key]));
}

/** The sequence email a message answers and the prospect it is about. */
export interface SequenceMatch {
	sequenceHash: string;
	/** The clear sequence key, when it is among the keys given to the trigger. */
	sequenceKey?: string;
	step: number;
	/** The variant (A, B …) of the step the message answers, when that step has variants. */
	variant?: string;
	prospectHash: string;
	/**
	 * The prospect's address: for a bounce or complaint the failed/complaining recipient, for an answer
	 * the sender — or, with the sequence key, whichever address of the message hashes to the prospect.
	 */
	prospectEmail?: string;
	/** Whether `prospectEmail` was checked against `prospectHash` (needs the sequence key). */
	prospectVerified: boolean;
	/** True when the sender is verifiably not the prospect; undefined when it cannot be told (no key). */
	fromColleague?: boolean;
}

/** True for copies of our own outgoing mail (a Bcc to self, a Sent copy filed into a watched folder). */
export function isOwnSequenceMessage(facts: Pick<ReadFacts, 'messageId'>): boolean {
	return facts.messageId !== undefined && parseSequenceMessageId(facts.messageId) !== null;
}

/** Addresses named in a header value such as Cc (display names and groups ignored). */
function addressesIn(value: string | undefined): string[] {
	if (!value) return [];
	return findAddresses(value).map((span) => ledgerAddress(span.address));
}

/** The addresses a report names as the recipients it is about. */
function reportedRecipients(classification: Classification): string[] | undefined {
	switch (classification.class) {
		case 'bounce':
		case 'deliveryReport':
			return classification.recipients.map((r) => ledgerAddress(r.address));
		case 'complaint':
			return classification.complaint.recipients.map(ledgerAddress);
		default:
			return undefined;
	}
}

/**
 * Matches a classified message to one of our sequence emails; `null` when it refers to none.
 * With several refs, one of a known sequence wins; otherwise the most specific (In-Reply-To first).
 */
export function matchSequence(
	facts: ReadFacts,
	classification: Classification,
	refs: SequenceRefs,
	keys: SequenceKeyIndex,
): SequenceMatch | null {
	if (refs.refs.length === 0) return null;
	const ref: SequenceMessageRef = refs.refs.find((r) => keys.has(r.sequenceHash)) ?? refs.refs[0];
	const sequenceKey = keys.get(ref.sequenceHash);
	const isProspect = (address: string): boolean =>
		sequenceKey !== undefined && prospectHash(sequenceKey, address) === ref.prospectHash;
	const variant = variantName(ref.variant);
	const base = {
		sequenceHash: ref.sequenceHash,
		step: ref.step,
		...(variant ? { variant } : {}),
		prospectHash: ref.prospectHash,
		...(sequenceKey ? { sequenceKey } : {}),
	};

	const reported = reportedRecipients(classification);
	if (reported) {
		const verified = reported.find(isProspect);
		return { ...base, prospectEmail: verified ?? reported[0], prospectVerified: verified !== undefined };
	}
	const sender = facts.from ? ledgerAddress(facts.from.address) : undefined;
	if (sequenceKey === undefined) return { ...base, prospectEmail: sender, prospectVerified: false };
	const candidates = [
		sender,
		facts.replyTo ? ledgerAddress(facts.replyTo.address) : undefined,
		...facts.to.map((a) => ledgerAddress(a.address)),
		...facts.headers.filter((h) => h.name === 'cc').flatMap((h) => addressesIn(h.value)),
	].filter((a): a is string => a !== undefined);
	const prospect = candidates.find(isProspect);
	return {
		...base,
		prospectEmail: prospect ?? sender,
		prospectVerified: prospect !== undefined,
		fromColleague: sender === undefined ? undefined : !isProspect(sender),
	};
}
