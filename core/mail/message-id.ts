/**
 * Deterministic Message-IDs: the mailbox is the ledger (docs/design.md), so the same logical email —
 * (sequence key, prospect, step) — always carries the same Message-ID. A retry is recognisable, replies
 * point back at it through In-Reply-To/References, and no campaign name or address appears in clear.
 *
 *   <sq.{sequenceHash}.{step}.{prospectHash}@{domain}>
 *   <sq.{sequenceHash}.{step}{variant}.{prospectHash}@{domain}>   a step with A/B variants: a…z after the step
 *
 * The variant letter makes the variant recoverable from the mailbox alone (Sent copies, In-Reply-To of
 * replies, a bounce's returned headers). A step without variants has no letter, so the ids of sequences
 * without variants are the ones they always were.
 *
 * Shared by the SMTP Sequence node (to mint ids and read its Sent folder) and the IMAP Reply Trigger
 * (to recognise replies and bounces that belong to a sequence).
 */
import { createHash } from 'node:crypto';

/** Hex digits of the sequence hash: 48 bits, plenty to keep a user's sequences apart. */
const SEQUENCE_HASH_LENGTH = 12;
/** Hex digits of the prospect hash: 64 bits, so two prospects of one sequence never collide in practice. */
const PROSPECT_HASH_LENGTH = 16;
/** Steps are 1-based; a sequence longer than this is a configuration error, not a real campaign. */
export const MAX_STEP = 99;
/** Variants of one step are lettered a…z in the Message-ID (A…Z in items and the report). */
export const MAX_VARIANTS = 26;

/** Identifies one email of one sequence to one prospect. */
export interface SequenceMessageRef {
	sequenceHash: string;
	step: number;
	prospectHash: string;
	/** 0 for variant A, 1 for B …; absent for a step without variants. */
	variant?: number;
}

const ID_PATTERN = new RegExp(
	`^<?sq\\.([0-9a-f]{${SEQUENCE_HASH_LENGTH}})\\.([1-9][0-9]?)([a-z])?\\.([0-9a-f]{${PROSPECT_HASH_LENGTH}})@([^<>@\\s]+)>?$`,
	'i',
);

function sha256Hex(input: string): string {
	return createHash('sha256').update(input, 'utf8').digest('hex');
}

/**
 * The address as the ledger sees it: trimmed and lower-cased. Local parts are case-sensitive in theory
 * (RFC 5321 §2.4) but no real mailbox provider treats them so, and prospects' CRMs mix case freely.
 */
export function ledgerAddress(address: string): string {
	return address.trim().toLowerCase();
}

/** Hash of a sequence key, as it appears in every Message-ID of that sequence. */
export function sequenceHash(sequenceKey: string): string {
	return sha256Hex(`sequence\u0000${sequenceKey}`).slice(0, SEQUENCE_HASH_LENGTH);
}

/** Hash of (sequence, prospect): the same prospect in two sequences gets unrelated hashes. */
export function prospectHash(sequenceKey: string, prospectAddress: string): string {
	return sha256Hex(`prospect\u0000${sequenceKey}\u0000${ledgerAddress(prospectAddress)}`).slice(
		0,
		PROSPECT_HASH_LENGTH,
	);
}

/**
 * The Message-ID (with angle brackets) of step `step` of `sequenceKey` sent to `prospectAddress`.
 * `domain` is the right-hand side: by default the sender's domain, so the id looks like the mailbox's
 * own mail to spam filters. `variant` (0 = A) only for a step that has variants.
 */
export function sequenceMessageId(
	sequenceKey: string,
	prospectAddress: string,
	step: number,
	domain: string,
	variant?: number,
): string {
	if (!Number.isInteger(step) || step < 1 || step > MAX_STEP) {
		throw new RangeError(`step must be an integer from 1 to ${MAX_STEP}, got ${String(step)}`);
	}
	if (variant !== undefined && (!Number.isInteger(variant) || variant < 0 || variant >= MAX_VARIANTS)) {
		throw new RangeError(`variant must be an integer from 0 to ${MAX_VARIANTS - 1}, got ${String(variant)}`);
	}
	if (!/^[a-z0-9.-]+$/i.test(domain) || domain.startsWith('.') || domain.endsWith('.')) {
		throw new RangeError(`Message-ID domain must be an ASCII host name, got "${domain}"`);
	}
	const letter = variant === undefined ? '' : String.fromCharCode(0x61 + variant);
	const ref = `sq.${sequenceHash(sequenceKey)}.${step}${letter}.${prospectHash(sequenceKey, prospectAddress)}`;
	return `<${ref}@${domain.toLowerCase()}>`;
}

/** Reads one of our Message-IDs back; `null` for any other id. Brackets are optional. */
export function parseSequenceMessageId(messageId: string): SequenceMessageRef | null {
	const match = ID_PATTERN.exec(messageId.trim());
	if (!match) return null;
	const ref: SequenceMessageRef = {
		sequenceHash: match[1].toLowerCase(),
		step: Number(match[2]),
		prospectHash: match[4].toLowerCase(),
	};
	if (match[3] !== undefined) ref.variant = match[3].toLowerCase().charCodeAt(0) - 0x61;
	return ref;
}

/**
 * Every Message-ID in a References / In-Reply-To header value, in order, with brackets.
 * RFC 5322 §3.6.4: msg-id = "<" id-left "@" id-right ">", separated by CFWS.
 */
export function splitMessageIds(headerValue: string | undefined | null): string[] {
	if (!headerValue) return [];
	return headerValue.match(/<[^<>\s]+>/g) ?? [];
}

/** Our ids among a References / In-Reply-To value, most recent (last) first. */
export function sequenceRefsIn(headerValue: string | undefined | null): SequenceMessageRef[] {
	return splitMessageIds(headerValue)
		.reverse()
		.map(parseSequenceMessageId)
		.filter((ref): ref is SequenceMessageRef => ref !== null);
}

/** The letter users see for a variant: 0 → "A". */
export function variantName(variant: number | undefined): string | null {
	return variant === undefined ? null : String.fromCharCode(0x41 + variant);
}
