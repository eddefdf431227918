/**
 * The A/B Variants parameter → per step, the number of variants and each variant's raw template. A
 * variant's empty Subject / Text Body / HTML Body is the step's own (so a variant can change only the
 * subject). Read from the first item, like the steps: which variant a prospect gets must not depend on
 * the item (docs/design.md, "A/B variants").
 */
import type { IExecuteFunctions } from 'n8n-workflow';
import { InputError } from '../../../core/errors';
import { MAX_VARIANTS } from '../../../core/mail/message-id';
import { templateFromParameter, type StepTemplate } from '../../../core/sequence/render';

/** One entry of the fixedCollection `variants.variant`, as stored by n8n. */
interface VariantParameter {
	step?: unknown;
	subject?: string;
	text?: string;
	html?: string;
}

function variantParameters(value: unknown): VariantParameter[] {
	const list = (value as { variant?: unknown } | undefined)?.variant;
	return Array.isArray(list) ? (list as VariantParameter[]) : [];
}

/**
 * The variants of each step (index = step − 1): the step's own template first (variant A), then one per
 * entry of the parameter that names the step, in the order given (B, C …). Throws for an entry naming a
 * step the sequence does not have, or more than 26 variants of one step.
 */
export function readVariantTemplates(fn: IExecuteFunctions, own: readonly StepTemplate[]): StepTemplate[][] {
	const entries = variantParameters(fn.getNodeParameter('variants', 0, {}, { rawExpressions: true }));
	const byStep = own.map((template) => [template]);
	for (const [i, entry] of entries.entries()) {
		const raw = typeof entry.step === 'string' && entry.step.startsWith('=') ? Number.NaN : Number(entry.step ?? 1);
		if (!Number.isInteger(raw) || raw < 1 || raw > own.length) {
			throw new InputError('INVALID_PARAMETER', `A/B Variants, entry ${i + 1}: Step must be a step number from 1 to ${own.length}, got ${String(entry.step)}.`);
		}
		const base = own[raw - 1];
		const variants = byStep[raw - 1];
		if (variants.length >= MAX_VARIANTS) {
			throw new InputError('INVALID_PARAMETER', `Step ${raw} has more than ${MAX_VARIANTS} variants (A to Z): remove some.`);
		}
		const field = (value: string | undefined, fallback: string | undefined) => (value && value.trim() !== '' ? templateFromParameter(value) : fallback);
		const html = field(entry.html, base.html);
		variants.push({
			subject: field(entry.subject, base.subject) ?? '',
			text: field(entry.text, base.text) ?? '',
			...(html ? { html } : {}),
		});
	}
	return byStep;
}
