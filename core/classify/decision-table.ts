/**
 * The one place that turns signals into a class. Rows are read top to bottom and the first whose
 * conditions hold decides: machine-readable reports first, then non-standard bounce prose, then
 * automatic-reply evidence from strong to weak, then the human cases. A new rule is one row.
 *
 * Each row names the signals it needs (`all`), of which at least one (`any`), and that must be absent
 * (`none`); its `code` becomes the stable `classReason`, its `confidence` the class confidence.
 */
import type { Signal, SignalKey } from './signals';
import type { ClassificationClass } from './types';

/** One row of the table. */
export interface DecisionRule {
	class: ClassificationClass;
	/** The stable rule code users filter on (`bounce:sender`, `header:auto-submitted=…`, `default:human`). */
	code: string | ((signals: SignalSet) => string);
	all?: readonly SignalKey[];
	any?: readonly SignalKey[];
	none?: readonly SignalKey[];
	/** How sure the row is, 0–1: structured reports 0.99, MTA sender + wording 0.95, wording alone less. */
	confidence: number;
	/** For `bounce`: whether it reports a final failure (false: a delay warning, the MTA keeps trying). */
	final?: boolean;
}

/** The signals of one message, looked up by key. */
export class SignalSet {
	private readonly byKey = new Map<SignalKey, Signal>();
	constructor(readonly list: readonly Signal[]) {
		for (const s of list) if (!this.byKey.has(s.key)) this.byKey.set(s.key, s);
	}
	has(key: SignalKey): boolean {
		return this.byKey.has(key);
	}
	/** The name of the first signal with `key` ('' when there is none). */
	name(key: SignalKey): string {
		return this.byKey.get(key)?.name ?? '';
	}
}

/** The auto-reply wording code, with the weak header that backs it as before: `subject:auto-reply+header:precedence=bulk`. */
const withWeakHeader = (code: string) => (s: SignalSet): string => {
	const weak = s.name('bulk-header') || s.name('null-sender');
	return weak ? `${code}+${weak}` : code;
};

/** The decision table. */
export const DECISION_TABLE: readonly DecisionRule[] = [
	// RFC 5965 ARF, and mail clients' own List-Unsubscribe notices (sisimai files both as feedback)
	{ class: 'complaint', code: 'arf:feedback-report', any: ['arf', 'client-unsubscribe-notice'], confidence: 0.99 },
	// RFC 3464: every recipient delivered/relayed/expanded → a delivery report, not a bounce
	{ class: 'deliveryReport', code: 'dsn:delivered', all: ['dsn-delivered'], confidence: 0.99 },
	{ class: 'bounce', code: 'dsn:multipart-report', all: ['dsn-failed'], confidence: 0.99, final: true },
	// RFC 3464 §2.3.3 Action: delayed — the MTA keeps trying; not a failure yet
	{ class: 'bounce', code: 'dsn:delayed', all: ['dsn-delayed'], confidence: 0.99, final: false },
	{ class: 'complaint', code: 'ses:complaint', all: ['ses-complaint'], confidence: 0.99 },
	{ class: 'deliveryReport', code: 'ses:delivery', all: ['ses-delivery'], confidence: 0.99 },
	{ class: 'bounce', code: 'ses:bounce', all: ['ses-bounce'], confidence: 0.99, final: true },
	// Non-standard reports: delay warnings first (they also match the bounce wording)
	{ class: 'bounce', code: 'bounce:delay-warning', all: ['delay-warning', 'mail-system-sender'], any: ['bounce-subject', 'bounce-body', 'null-sender'], confidence: 0.9, final: false },
	{ class: 'bounce', code: 'bounce:delay-warning', all: ['delay-warning', 'null-sender'], any: ['bounce-subject', 'bounce-body'], none: ['reply-prefix'], confidence: 0.85, final: false },
	{ class: 'bounce', code: 'bounce:forwarded', all: ['forwarded-bounce'], confidence: 0.85, final: true },
	{ class: 'bounce', code: 'bounce:sender', all: ['mail-system-sender'], any: ['bounce-subject', 'bounce-body'], confidence: 0.95, final: true },
	{ class: 'bounce', code: 'bounce:subject', all: ['bounce-subject', 'bounce-body'], none: ['reply-prefix'], confidence: 0.85, final: true },
	{ class: 'bounce', code: 'bounce:subject', all: ['bounce-subject', 'null-sender'], confidence: 0.85, final: true },
	{ class: 'bounce', code: 'bounce:body', all: ['bounce-body', 'null-sender'], none: ['reply-prefix'], confidence: 0.8, final: true },
	// RFC 3834 Auto-Submitted and the de-facto automation headers
	{ class: 'autoReply', code: (s) => s.name('auto-header'), all: ['auto-header'], confidence: 0.95 },
	{ class: 'autoReply', code: withWeakHeader('subject:auto-reply'), all: ['auto-subject'], confidence: 0.85 },
	{ class: 'autoReply', code: withWeakHeader('body:auto-reply'), all: ['auto-body'], none: ['conversational'], confidence: 0.75 },
	// Challenge-response systems ask a machine question of every new sender
	{ class: 'autoReply', code: 'body:challenge-response', all: ['challenge-response'], confidence: 0.8 },
	// Weak signals together: a null reverse-path (RFC 3834 §3.3) or bulk precedence with automatic wording
	{ class: 'autoReply', code: 'weak:acknowledgement', all: ['acknowledgement-subject'], any: ['null-sender', 'bulk-header', 'auto-body'], none: ['reply-prefix'], confidence: 0.7 },
	{ class: 'autoReply', code: 'weak:null-sender+bulk', all: ['null-sender', 'bulk-header'], confidence: 0.65 },
	{ class: 'autoReply', code: 'weak:return-date', all: ['return-date'], any: ['null-sender', 'bulk-header'], confidence: 0.65 },
	// A person asking to be removed; anything else a person wrote is a reply
	{ class: 'unsubscribe', code: (s) => s.name('unsubscribe-text'), all: ['unsubscribe-text'], confidence: 0.85 },
	{ class: 'reply', code: 'default:human', confidence: 0.8 },
];

/** The first row whose conditions hold (the last row always does). */
export function decide(signals: SignalSet, table: readonly DecisionRule[] = DECISION_TABLE): DecisionRule {
	for (const rule of table) {
		if (rule.all && !rule.all.every((k) => signals.has(k))) continue;
		if (rule.any && !rule.any.some((k) => signals.has(k))) continue;
		if (rule.none && rule.none.some((k) => signals.has(k))) continue;
		return rule;
	}
	return table[table.length - 1];
}

/** The names of the signals a row read (its `all` and the `any` present), for `Classification.signals`. */
export function usedSignals(rule: DecisionRule, signals: SignalSet): string[] {
	const keys = [...(rule.all ?? []), ...(rule.any ?? []).filter((k) => signals.has(k))];
	return [...new Set(keys)].map((k) => signals.name(k));
}

/** The row's code for this message. */
export function ruleCode(rule: DecisionRule, signals: SignalSet): string {
	return typeof rule.code === 'string' ? rule.code : rule.code(signals);
}
