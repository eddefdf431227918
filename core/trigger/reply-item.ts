/**
 * The output item of one emitted message: flat fields a CRM update can map without a Code node, plus
 * the class-specific details (bounce, auto-reply, complaint, delivery report) under their own key.
 */
import type { ReadFacts } from '../classify/inbound';
import type { Classification } from '../classify/types';
import type { SequenceMatch } from './sequence-match';
import type { TriggerOptions } from './trigger-options';
import { explainClassReason } from './class-reason-text';

/** JSON as n8n items carry it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** One item's `json`. */
export type JsonObject = { [key: string]: JsonValue };

/** Where the message was found. */
export interface MessageLocation {
	folder: string;
	uid: number;
}

function classDetails(classification: Classification): JsonObject {
	switch (classification.class) {
		case 'autoReply':
			return { autoReply: { returnDate: classification.returnDate ?? null } };
		case 'bounce': {
			const first = classification.recipients[0];
			return {
				bounce: {
					final: classification.final,
					hard: classification.hard,
					recipient: first?.address ?? null,
					status: first?.status ?? null,
					reason: first?.reason ?? null,
					diagnostic: first?.diagnostic ?? null,
					recipients: classification.recipients.map((r) => ({
						address: r.address,
						status: r.status,
						final: r.final,
						hard: r.hard,
						reason: r.reason,
						action: r.action ?? null,
						replyCode: r.replyCode ?? null,
						diagnostic: r.diagnostic ?? null,
					})),
				},
			};
		}
		case 'complaint':
			return {
				complaint: {
					feedbackType: classification.complaint.feedbackType,
					recipients: classification.complaint.recipients,
					userAgent: classification.complaint.userAgent ?? null,
				},
			};
		case 'deliveryReport':
			return {
				deliveryReport: {
					recipients: classification.recipients.map((r) => ({ address: r.address, status: r.status ?? null, action: r.action ?? null })),
				},
			};
		default:
			return {};
	}
}

/**
 * Header name → value (a list when repeated). Grouped in a Map: header names come from the sender, and in
 * a plain object `constructor` or `__proto__` name what Object.prototype already has (a `Constructor:`
 * header made the grouping throw and the message was dropped). `Object.fromEntries` defines own
 * properties, never calling the `__proto__` setter. n8n drops the keys `__proto__`, `constructor` and
 * `prototype` when it copies items, so those headers are only in `rawHeaders`.
 */
function headerObject(facts: ReadFacts): JsonObject {
	const headers = new Map<string, string[]>();
	for (const field of facts.headers) {
		const values = headers.get(field.name);
		if (values) values.push(field.value);
		else headers.set(field.name, [field.value]);
	}
	return Object.fromEntries([...headers].map(([name, values]) => [name, values.length === 1 ? values[0] : values]));
}

/** Builds the item's json. Fields are always present (null when unknown) so they can be mapped. */
export function replyItem(
	facts: ReadFacts,
	classification: Classification,
	match: SequenceMatch | null,
	where: MessageLocation,
	options: Pick<TriggerOptions, 'includeBodies' | 'includeHeaders'>,
): JsonObject {
	const replyText = 'replyText' in classification ? classification.replyText : null;
	const item: JsonObject = {
		class: classification.class,
		classReason: classification.reason,
		classReasonText: explainClassReason(classification.reason),
		classConfidence: classification.confidence,
		classSignals: [...classification.signals],
		prospectEmail: match?.prospectEmail ?? (match ? null : (facts.from?.address ?? null)),
		prospectVerified: match?.prospectVerified ?? false,
		fromColleague: match?.fromColleague ?? null,
		sequenceHash: match?.sequenceHash ?? null,
		sequenceKey: match?.sequenceKey ?? null,
		step: match?.step ?? null,
		variant: match?.variant ?? null,
		prospectHash: match?.prospectHash ?? null,
		replyText,
		from: facts.from?.address ?? null,
		fromName: facts.from?.name || null,
		to: facts.to.map((a) => a.address),
		subject: facts.subject,
		date: facts.date ? facts.date.toISOString() : null,
		messageId: facts.messageId ?? null,
		inReplyTo: facts.inReplyTo ?? null,
		references: [...facts.references],
		folder: where.folder,
		uid: where.uid,
		...classDetails(classification),
	};
	if (options.includeBodies) {
		item.text = facts.text;
		item.html = facts.html ?? null;
	}
	if (options.includeHeaders) {
		item.headers = headerObject(facts);
		item.rawHeaders = facts.rawHeaders;
	}
	return item;
}
