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
	/** Of the messages given `autoReply`, the share that are auto-replies (a human read as one costs a lead). */
	auto_reply_precision: number;
	human_misclassified: number;
	hard_soft_agreement: number;
	/** Exact agreement on enhanced status codes the label states (sisimai's x.0.9xx pseudo-codes excluded). */
	status_agreement: number;
	/** Agreement on the status class digit (2/4/5) over all labelled bounce recipients. */
	status_class_agreement: number;
	reply_text_pass_rate: number;
	return_date_agreement: number | null;
	per_class: Record<string, { precision: number; recall: number; support: number }>;
	/** The same figures per source group (see `sourceGroup`), when the labels carry a `source`. */
	per_source?: Record<string, Omit<EvalSummary, 'per_class' | 'misses' | 'per_source'>>;
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

/** What one message scored: its class, and hits over totals for the per-recipient and text checks. */
interface Scored {
	expected: ClassificationClass;
	got: ClassificationClass;
	human: boolean;
	source?: string;
	hard: [number, number];
	status: [number, number];
	statusClass: [number, number];
	text: [number, number];
	date: [number, number];
}

/** Scores one classified message against its label; `notes` says what was wrong. */
function score(message: CorpusMessage, result: Classification, notes: string[]): Scored {
	const expected = EXPECTED_CLASS[message.label.kind];
	const scored: Scored = {
		expected,
		got: result.class,
		human: message.label.kind === 'human',
		source: message.label.source,
		hard: [0, 0],
		status: [0, 0],
		statusClass: [0, 0],
		text: [0, 0],
		date: [0, 0],
	};
	if (message.label.kind === 'bounce') {
		const got = result.class === 'bounce' ? result.recipients : [];
		(message.label.recipients ?? []).forEach((want, index) => {
			const mine = got[index] ?? got[got.length - 1];
			if (want.hardBounce !== undefined) {
				scored.hard[1]++;
				if (mine && mine.hard === want.hardBounce) scored.hard[0]++;
				else notes.push(`hard: want ${String(want.hardBounce)} got ${mine ? String(mine.hard) : 'none'} (${mine?.reason ?? '-'} vs ${want.reason ?? '-'})`);
			}
			if (want.status) {
				scored.statusClass[1]++;
				if (mine && mine.status[0] === want.status[0]) scored.statusClass[0]++;
				if (!PSEUDO_STATUS.test(want.status)) {
					scored.status[1]++;
					if (mine && mine.status === want.status) scored.status[0]++;
					else notes.push(`status: want ${want.status} got ${mine?.status ?? 'none'}`);
				}
			}
		});
	}
	const text = replyTextOf(result);
	if (message.label.replyText !== undefined) {
		scored.text[1]++;
		if (text !== undefined && replyTextPasses(text, message.label)) scored.text[0]++;
		else notes.push(`replyText: ${JSON.stringify((text ?? '').slice(0, 120))}`);
	}
	if (message.label.returnDate !== undefined) {
		scored.date[1]++;
		const got = result.class === 'autoReply' ? result.returnDate : undefined;
		if (got === message.label.returnDate.slice(0, 10)) scored.date[0]++;
		else notes.push(`returnDate: want ${message.label.returnDate} got ${got ?? 'none'}`);
	}
	return scored;
}

/**
 * The group a label's `source` belongs to, for the per-source breakdown: its first word without a
 * trailing colon, cut to `owner/repository` when it is a path ("sisimai/set-of-emails maildir/bsd/arf-01.eml"
 * → `sisimai/set-of-emails`, "synthetic: Exchange OOF (DE)" → `synthetic`).
 */
export function sourceGroup(source: string): string {
	const first = source.trim().split(/\s/)[0].replace(/:$/, '');
	return first.includes('/') ? first.split('/').slice(0, 2).join('/') : first;
}

type Figures = Omit<EvalSummary, 'per_class' | 'misses' | 'per_source'>;

function figures(scored: readonly Scored[]): Figures & { per_class: EvalSummary['per_class'] } {
	const counts = new Map<string, { tp: number; fp: number; fn: number; support: number }>();
	const bump = (cls: string, key: 'tp' | 'fp' | 'fn' | 'support'): void => {
		const entry = counts.get(cls) ?? { tp: 0, fp: 0, fn: 0, support: 0 };
		entry[key] += 1;
		counts.set(cls, entry);
	};
	for (const s of scored) {
		bump(s.expected, 'support');
		if (s.got === s.expected) bump(s.expected, 'tp');
		else {
			bump(s.expected, 'fn');
			bump(s.got, 'fp');
		}
	}
	const per_class: EvalSummary['per_class'] = {};
	for (const [cls, c] of [...counts.entries()].sort()) {
		per_class[cls] = { precision: ratio(c.tp, c.tp + c.fp), recall: ratio(c.tp, c.tp + c.fn), support: c.support };
	}
	const sum = (key: 'hard' | 'status' | 'statusClass' | 'text' | 'date'): [number, number] =>
		scored.reduce<[number, number]>((acc, s) => [acc[0] + s[key][0], acc[1] + s[key][1]], [0, 0]);
	const [hardHit, hardTotal] = sum('hard');
	const [statusHit, statusTotal] = sum('status');
	const [classHit, classTotal] = sum('statusClass');
	const [textHit, textTotal] = sum('text');
	const [dateHit, dateTotal] = sum('date');
	return {
		messages: scored.length,
		accuracy: ratio(scored.filter((s) => s.expected === s.got).length, scored.length),
		bounce_recall: per_class.bounce?.recall ?? 1,
		autoReply_recall: per_class.autoReply?.recall ?? 1,
		auto_reply_precision: per_class.autoReply?.precision ?? 1,
		human_misclassified: scored.filter((s) => s.human && s.got !== 'reply').length,
		hard_soft_agreement: ratio(hardHit, hardTotal),
		status_agreement: ratio(statusHit, statusTotal),
		status_class_agreement: ratio(classHit, classTotal),
		reply_text_pass_rate: ratio(textHit, textTotal),
		return_date_agreement: dateTotal === 0 ? null : ratio(dateHit, dateTotal),
		per_class,
	};
}

/** Options of {@link evaluateCorpus}. */
export interface EvaluateOptions {
	/** The clock for messages without a Date header (see `ClassifyOptions.now`); fixed so runs repeat. */
	now?: Date;
}

/** Classifies every message with the production code path and scores it. */
export async function evaluateCorpus(messages: readonly CorpusMessage[], options: EvaluateOptions = {}): Promise<{ rows: EvalRow[]; summary: EvalSummary }> {
	const rows: EvalRow[] = [];
	const misses: EvalMiss[] = [];
	const scored: Scored[] = [];
	for (const message of messages) {
		const result = classify(await parseMessage(message.raw), { now: options.now });
		const notes: string[] = [];
		const one = score(message, result, notes);
		scored.push(one);
		if (one.got !== one.expected) misses.push({ file: message.file, expected: one.expected, got: one.got, reason: result.reason });
		else if (notes.length > 0) misses.push({ file: message.file, expected: one.expected, got: one.got, reason: `${result.reason}; ${notes.join('; ')}` });
		rows.push({ file: message.file, expected: one.expected, got: one.got, reason: result.reason, pass: one.got === one.expected && notes.length === 0, notes });
	}
	const summary: EvalSummary = { ...figures(scored), misses };
	const groups = new Map<string, Scored[]>();
	for (const s of scored) {
		if (s.source === undefined) continue;
		const key = sourceGroup(s.source);
		groups.set(key, [...(groups.get(key) ?? []), s]);
	}
	if (groups.size > 0) {
		summary.per_source = Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, group]) => {
			const { per_class: _perClass, ...rest } = figures(group);
			return [key, rest];
		}));
	}
	return { rows, summary };
}
