/** The auto-reply rule the decision table picks from the wording extractor's signals alone. */
import { decide, ruleCode, SignalSet } from '../../core/classify/decision-table';
import { autoReplyWordingSignals } from '../../core/classify/signals';

/** The rule code when the subject and body wording alone make an auto-reply, else undefined. */
export function autoReplyWording(subject: string, body: string): string | undefined {
	const signals = new SignalSet(autoReplyWordingSignals(subject, body).signals);
	const rule = decide(signals);
	return rule.class === 'autoReply' ? ruleCode(rule, signals) : undefined;
}
