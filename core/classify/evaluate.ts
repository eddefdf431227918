/**
 * Scores the classifier against a labelled corpus (format: the corpus README). Pure: the caller loads
 * the files; `scripts/eval-replies.ts` and the unit tests both call `evaluateCorpus`, so the numbers the
 * command prints are the numbers the tests assert.
 */
import { classify } from './classify';
import { parseMessage } from './parse';
import type { Classification, ClassificationClass } from './types';

/** A label's kind, as the corpus writes it. */
export type LabelKind = 'bounce' | 'autoReply' | 'complaint' | 'delivered' | 'notBounce' | 'human' | 'unsubscribe';

/** One recipient of a labelled bounce or complaint. */
export interface LabelRecipient {
	status: string | null;
	replyCode?: string | null;
	reason?: string;
	hardBounce?: boolean;
	feedbackType?: string;
}

/** One entry of labels.json. */
export interface CorpusLabel {
	kind: LabelKind;
	recipients?: LabelRecipient[];
	replyText?: string;
	mustNotContain?: string[];
	returnDate?: string;
	source?: string;
}

/** One labelled message. */
export interface CorpusMessage {
	file: string;
	raw: Buffer;
	label: CorpusLabel;
}

/** The class each label kind must receive. */
export const EXPECTED_CLASS: Readonly<Record<LabelKind, ClassificationClass>> = {
	bounce: 'bounce',
	autoReply: 'autoReply',
	complaint: 'complaint',
	delivered: 'deliveryReport',
	notBounce: 'reply',
	human: 'reply',
	unsubscribe: 'unsubscribe',
};

/** One row of the evaluation. */
export interface EvalRow {
	file: string;
	expected: ClassificationClass;
	got: ClassificationClass;
	reason: string;
	/** Class right and, where labelled, status/hard/text/returnDate right too. */
	pass: boolean;
	notes: string[];
}

/** One wrong or partly wrong answer. */
export interface EvalMiss {
	file: string;
	expected: string;
	got: string;
	reason: string;
}

/** The figures the eval command prints as its last line. */
export interface EvalSummary {
	messages: number;
	accuracy: number;
	bounce_recall: number;
	autoReply_recall: number;
	human_misclassified: number;
	hard_soft_agreement: number;
	/** Exact agreement on enhanced status codes the label states (sisimai's x.0.9xx pseudo-codes excluded). */
	status_agreement: number;
	/** Agreement on the status class digit (2/4/5) over all labelled bounce recipients. */
	status_class_agreement: number;
	reply_text_pass_rate: number;
	return_date_agreement: number | null;
	per_class: Record<string, { precision: number; recall: number; support: number }>;
	misses: EvalMiss[];
}

const ratio = (hit: number, total: number): number => (total === 0 ? 1 : Math.round((hit / total) * 10000) / 10000);

/** sisimai writes x.0.9xx when the message states no code; those are sisimai's inventions, not the server's. */
const PSEUDO_STATUS = /^[245]\.0\.9\d\d$/;

/** Judges one reply text by the corpus rules: starts with the label, ≤ 80 chars longer, no quoted history. */
export function replyTextPasses(got: string, label: CorpusLabel): boolean {
	if (label.replyText === undefined) return true;
	const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();
	const text = collapse(got);
	const want = collapse(label.replyText);
	if (!text.startsWith(want) || text.length > want.length + 80) return false;
	return !(label.mustNotContain ?? []).some((needle) => text.includes(needle));
}

function replyTextOf(result: Classification): string | undefined {
	return 'replyText' in result ? result.replyText : undefined;
}

/** Classifies every message with the production code path and scores it. */
export async function evaluateCorpus(messages: readonly CorpusMessage[]): Promise<{ rows: EvalRow[]; summary: EvalSummary }> {
	const rows: EvalRow[] = [];
	const misses: EvalMiss[] = [];
	let hardHit = 0, hardTotal = 0, statusHit = 0, statusTotal = 0, classHit = 0, classTotal = 0;
	let textHit = 0, textTotal = 0, dateHit = 0, dateTotal = 0, humanWrong = 0;
	const counts = new Map<string, { tp: number; fp: number; fn: number; support: number }>();
	const bump = (cls: string, key: 'tp' | 'fp' | 'fn' | 'support'): void => {
		const entry = counts.get(cls) ?? { tp: 0, fp: 0, fn: 0, support: 0 };
		entry[key] += 1;
		counts.set(cls, entry);
	};

	for (const message of messages) {
		const expected = EXPECTED_CLASS[message.label.kind];
		const result = classify(await parseMessage(message.raw));
		const notes: string[] = [];
		bump(expected, 'support');
		if (result.class === expected) bump(expected, 'tp');
		else {
			bump(expected, 'fn');
			bump(result.class, 'fp');
			misses.push({ file: message.file, expected, got: result.class, reason: result.reason });
		}
		if (message.label.kind === 'human' && result.class !== 'reply') humanWrong++;

		if (message.label.kind === 'bounce') {
			const got = result.class === 'bounce' ? result.recipients : [];
			(message.label.recipients ?? []).forEach((want, index) => {
				const mine = got[index] ?? got[got.length - 1];
				if (want.hardBounce !== undefined) {
					hardTotal++;
					if (mine && mine.hard === want.hardBounce) hardHit++;
					else notes.push(`hard: want ${String(want.hardBounce)} got ${mine ? String(mine.hard) : 'none'} (${mine?.reason ?? '-'} vs ${want.reason ?? '-'})`);
				}
				if (want.status) {
					classTotal++;
					if (mine && mine.status[0] === want.status[0]) classHit++;
					if (!PSEUDO_STATUS.test(want.status)) {
						statusTotal++;
						if (mine && mine.status === want.status) statusHit++;
						else notes.push(`status: want ${want.status} got ${mine?.status ?? 'none'}`);
					}
				}
			});
		}
		const text = replyTextOf(result);
		if (message.label.replyText !== undefined) {
			textTotal++;
			if (text !== undefined && replyTextPasses(text, message.label)) textHit++;
			else notes.push(`replyText: ${JSON.stringify((text ?? '').slice(0, 120))}`);
		}
		if (message.label.returnDate !== undefined) {
			dateTotal++;
			const got = result.class === 'autoReply' ? result.returnDate : undefined;
			if (got === message.label.returnDate.slice(0, 10)) dateHit++;
			else notes.push(`returnDate: want ${message.label.returnDate} got ${got ?? 'none'}`);
		}
		if (result.class === expected && notes.length > 0) {
			misses.push({ file: message.file, expected, got: result.class, reason: `${result.reason}; ${notes.join('; ')}` });
		}
		rows.push({ file: message.file, expected, got: result.class, reason: result.reason, pass: result.class === expected && notes.length === 0, notes });
	}

	const per_class: EvalSummary['per_class'] = {};
	for (const [cls, c] of [...counts.entries()].sort()) {
		per_class[cls] = { precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn), support: c.support };
	}
	const recallOf = (cls: string): number => per_class[cls]?.recall ?? 1;
	const summary: EvalSummary = {
		messages: messages.length,
		accuracy: ratio(rows.filter((r) => r.expected === r.got).length, rows.length),
		bounce_recall: recallOf('bounce'),
		autoReply_recall: recallOf('autoReply'),
		human_misclassified: humanWrong,
		hard_soft_agreement: ratio(hardHit, hardTotal),
		status_agreement: ratio(statusHit, statusTotal),
		status_class_agreement: ratio(classHit, classTotal),
		reply_text_pass_rate: ratio(textHit, textTotal),
		return_date_agreement: dateTotal === 0 ? null : ratio(dateHit, dateTotal),
		per_class,
		misses,
	};
	return { rows, summary };
}
