/**
 * A/B variants of a step: which variant a prospect gets. The choice is a pure function of the sequence
 * key, the prospect's address and the step (and the earlier steps' choices when a step follows them), so
 * a retry, a second queue-mode worker or a Preview always lands on the same variant, and no state is kept
 * anywhere but in the Message-ID of the copy that goes out (`message-id.ts`, the letter after the step).
 *
 * Spread: the choice is a SHA-256 of (key, address, step) reduced modulo the number of variants, so each
 * variant gets 1/n of the prospects in expectation (a binomial spread: ±1.5 points for 10,000 prospects
 * and two variants, at 3 standard deviations). Exact balance would need to know the other prospects,
 * which a retry on another worker does not.
 */
import { createHash } from 'node:crypto';
import { ledgerAddress, MAX_VARIANTS, sequenceMessageId } from '../mail/message-id';

/** How a step with variants chooses: on its own, or the variant the prospect got at the nearest earlier step that has variants. */
export type VariantChoice = 'own' | 'follow';

/** The variant settings of one step, as the run needs them. */
export interface StepVariants {
	/** Number of variants: 0 or 1 = the step has none (its Message-ID carries no letter). */
	variants?: number;
	/** @default 'follow' */
	variantChoice?: VariantChoice;
}

function hasVariants(step: StepVariants | undefined): step is StepVariants & { variants: number } {
	return step !== undefined && (step.variants ?? 0) >= 2;
}

/** A number from the hash of (key, address, step), uniform over 0 … 2^48 − 1. */
function ownPick(sequenceKey: string, address: string, step: number): number {
	const digest = createHash('sha256').update(`variant\u0000${sequenceKey}\u0000${ledgerAddress(address)}\u0000${step}`, 'utf8').digest('hex');
	return Number.parseInt(digest.slice(0, 12), 16);
}

/**
 * The variant (0 = A) the prospect gets at `step` (1-based), or `undefined` when the step has no variants.
 *
 * - `own`: chosen from (key, address, step).
 * - `follow` (the default): the variant of the nearest earlier step that has variants, modulo this step's
 *   number of variants (B of three at step 1 → B of two at step 2; C of three → A of two). With no earlier
 *   step that has variants, it chooses as `own`.
 */
export function variantOf(sequenceKey: string, address: string, step: number, steps: readonly StepVariants[]): number | undefined {
	const own = steps[step - 1];
	if (!hasVariants(own)) return undefined;
	const count = Math.min(own.variants, MAX_VARIANTS);
	if (own.variantChoice === 'own') return ownPick(sequenceKey, address, step) % count;
	for (let earlier = step - 1; earlier >= 1; earlier--) {
		if (!hasVariants(steps[earlier - 1])) continue;
		return (variantOf(sequenceKey, address, earlier, steps) as number) % count;
	}
	return ownPick(sequenceKey, address, step) % count;
}

/** The Message-ID of the prospect's copy of `step`: with the variant's letter when the step has variants. */
export function stepMessageId(sequenceKey: string, address: string, step: number, steps: readonly StepVariants[], domain: string): string {
	return sequenceMessageId(sequenceKey, address, step, domain, variantOf(sequenceKey, address, step, steps));
}
