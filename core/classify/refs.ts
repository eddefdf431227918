/**
 * Which sequence email a message answers. Replies point at it through In-Reply-To/References; bounces
 * and complaints carry it in the returned original (message/rfc822, text/rfc822-headers, or the headers
 * pasted into a non-standard bounce's text).
 */
import { parseSequenceMessageId, sequenceRefsIn, type SequenceMessageRef } from '../mail/message-id';
import { capText } from './limits';
import { headerValue, headerValues, parseHeaderBlock, splitHeaderBody } from './mime';
import type { MailFacts } from './types';

/** Result of `findSequenceRefs`. */
export interface SequenceRefs {
	/** Our Message-IDs this message refers to, most specific first, without duplicates. */
	refs: SequenceMessageRef[];
	/** For DSNs/ARF: the Message-ID of the returned original message, with brackets. */
	originalMessageId?: string;
}

const RETURNED_TYPES = new Set(['message/rfc822', 'text/rfc822-headers', 'message/global', 'message/global-headers']);

/** "Message-ID: <…>" as a header line inside a body (returned headers pasted into bounce prose). */
const INLINE_MESSAGE_ID = /^[ \t]{0,20}Message-ID:[ \t]{0,20}(<[^<>\s]{1,998}>)/gim;

/**
 * Our sequence refs and the returned original's Message-ID. Reply headers come first; for reports the
 * returned original's Message-ID (ours when we sent it) and its own In-Reply-To/References follow.
 */
export function findSequenceRefs(facts: MailFacts): SequenceRefs {
	const refs: SequenceMessageRef[] = [];
	const seen = new Set<string>();
	const add = (ref: SequenceMessageRef | null): void => {
		if (!ref) return;
		const key = `${ref.sequenceHash}.${ref.step}.${ref.prospectHash}`;
		if (seen.has(key)) return;
		seen.add(key);
		refs.push(ref);
	};
	sequenceRefsIn(facts.inReplyTo).forEach(add);
	sequenceRefsIn(facts.references.join(' ')).forEach(add);

	let originalMessageId: string | undefined;
	for (const part of facts.parts) {
		if (!RETURNED_TYPES.has(part.contentType)) continue;
		const returned = parseHeaderBlock(splitHeaderBody(part.body.replace(/^\s+/, '')).head);
		const id = headerValue(returned, 'message-id')?.match(/<[^<>\s]+>/)?.[0];
		if (id && !originalMessageId) originalMessageId = id;
		if (id) add(parseSequenceMessageId(id));
		for (const value of headerValues(returned, 'in-reply-to').concat(headerValues(returned, 'references'))) sequenceRefsIn(value).forEach(add);
	}
	const text = capText(facts.text);
	const bodies = [text, ...facts.parts.filter((p) => p.contentType.startsWith('text/')).map((p) => p.body)];
	for (const body of bodies) {
		for (const match of body.matchAll(INLINE_MESSAGE_ID)) {
			const ref = parseSequenceMessageId(match[1]);
			if (ref) {
				add(ref);
				originalMessageId ??= match[1];
			}
		}
	}
	if (!originalMessageId) {
		// Non-standard bounces: the last "Message-ID:" line in the prose is the returned original's
		// (the first may be the bounce's own, pasted in by some MTAs).
		const inline = [...text.matchAll(INLINE_MESSAGE_ID)].map((m) => m[1]).filter((id) => id !== facts.messageId);
		originalMessageId = inline[inline.length - 1];
	}
	// Any of our ids quoted anywhere else (X-Original-Message-ID, "Original-Envelope-Id", prose).
	for (const body of bodies) for (const token of body.match(/<sq\.[^<>\s]{1,998}>/gi) ?? []) add(parseSequenceMessageId(token));
	return { refs, originalMessageId };
}
