/**
 * One raw inbound message → what the trigger and the SMTP Sequence ledger need: its facts, its class and
 * the sequence emails it refers to. The one entry point both use (through the time-budgeted worker in
 * `transport/inbound-reader.ts`), and it never throws: a message that cannot be read still yields a
 * reading, from a bounded scan of its raw header, classified as a `reply` with a reason that says so —
 * a prospect's unreadable answer must stop their sequence, not the run.
 */
import { sequenceRefsIn } from '../mail/message-id';
import { classify } from './classify';
import { headerFacts } from './header-facts';
import { capText } from './limits';
import { parseHeaderBlock, splitHeaderBody } from './mime';
import { parseMessage } from './parse';
import { findSequenceRefs, type SequenceRefs } from './refs';
import type { Classification, MailFacts } from './types';

/** The facts kept after classification: everything but the MIME parts (only the rules read those). */
export type ReadFacts = Omit<MailFacts, 'parts'>;

/** The outcome of reading one inbound message. */
export interface InboundReading {
	facts: ReadFacts;
	classification: Classification;
	refs: SequenceRefs;
}

/** Why a message was read from its raw header only. */
export type UnreadCause = 'time-budget' | 'unreadable';

/** Header bytes the fallback scans (as `parseHeaderBlock` reads them): far more than any real header block. */
const FALLBACK_HEAD_BYTES = 256 * 1024;
/** Bytes scanned for our Message-IDs quoted anywhere (a bounce's returned original). */
const FALLBACK_ID_SCAN_BYTES = 1024 * 1024;

/** `<sq.…>` tokens in the first `FALLBACK_ID_SCAN_BYTES` of the raw source, by a bounded scan. */
function quotedSequenceIds(binary: string): string[] {
	const text = capText(binary, FALLBACK_ID_SCAN_BYTES);
	const ids: string[] = [];
	for (let at = text.indexOf('<sq.'); at >= 0 && ids.length < 100; at = text.indexOf('<sq.', at + 4)) {
		const end = text.indexOf('>', at);
		if (end > at && end - at <= 200) ids.push(text.slice(at, end + 1));
	}
	return ids;
}

/**
 * The reading of a message that could not be classified: who sent it and which sequence emails it refers
 * to, from a bounded scan of the raw source (header fields, then our Message-IDs quoted anywhere), and
 * the class `reply` with `classReason` `fallback:<cause>` — counted as the prospect's answer, never lost.
 */
export function unreadReading(raw: Buffer, cause: UnreadCause): InboundReading {
	const binary = raw.toString('latin1', 0, Math.min(raw.length, Math.max(FALLBACK_HEAD_BYTES, FALLBACK_ID_SCAN_BYTES)));
	const { head } = splitHeaderBody(capText(binary, FALLBACK_HEAD_BYTES));
	const headers = parseHeaderBlock(head);
	const header = headerFacts(headers);
	const refs = [...sequenceRefsIn(header.inReplyTo), ...sequenceRefsIn(header.references.join(' '))];
	for (const id of quotedSequenceIds(binary)) refs.push(...sequenceRefsIn(id));
	const seen = new Set<string>();
	const unique = refs.filter((ref) => {
		const key = `${ref.sequenceHash}.${ref.step}.${ref.prospectHash}`;
		return seen.has(key) ? false : (seen.add(key), true);
	});
	return {
		facts: { ...header, headers, rawHeaders: head, contentType: 'text/plain', text: '' },
		classification: { class: 'reply', reason: `fallback:${cause}`, confidence: 0.5, signals: [`fallback:${cause}`], replyText: '' },
		refs: { refs: unique },
	};
}

/**
 * Reads one inbound message: parse, classify, find the sequence emails it refers to. Never throws (an
 * unexpected error gives `unreadReading(raw, 'unreadable')`). Linear in the message size; the caller
 * bounds the time anyway (`transport/inbound-reader.ts`).
 */
export async function readInbound(raw: Buffer): Promise<InboundReading> {
	try {
		const message = await parseMessage(raw);
		const classification = classify(message);
		const refs = findSequenceRefs(message);
		const { parts: _parts, ...facts } = message;
		return { facts, classification, refs };
	} catch {
		return unreadReading(raw, 'unreadable');
	}
}
