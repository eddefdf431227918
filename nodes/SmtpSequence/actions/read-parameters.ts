/**
 * Node parameters → the run's request. Sequence-wide settings (key, steps, window, limits, stop rules,
 * where the ledger is) are read once, from the first item; prospect fields, the per-prospect message
 * options (From Name, Reply-To, unsubscribe links, footer) and templates are evaluated per item.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { InputError, SequenceError } from '../../../core/errors';
import { parseAddress } from '../../../core/mail/address';
import { assertHeaderSafe } from '../../../core/mail/header-safety';
import { normaliseUnsubscribeUrl } from '../../../core/mail/unsubscribe-url';
import { checkUnsubscribeSecret, signUnsubscribeToken, unsubscribeLink } from '../../../core/mail/unsubscribe-token';
import type { MailboxSettings } from '../../../core/mailbox/settings';
import { resolveOptions, type SequenceOptions } from '../../../core/sequence/options';
import { expressionKey, renderStep, splitTemplate, templateFromParameter, type StepTemplate } from '../../../core/sequence/render';
import { checkWait, type WaitUnit } from '../../../core/sequence/schedule';
import { resolveTimeZone } from '../../../core/sequence/send-window';
import { spintaxSeed } from '../../../core/sequence/spintax';
import type { MessageOptions, ProspectMessage, RenderStepFn, RunProspect, StepDefinition } from '../../../core/sequence/run-request';
import { readVariantTemplates } from './read-variants';

/** A sequence step as stored by n8n (the fixedCollection `steps.step`). */
interface StepParameter {
	/** A number from the field, or anything an expression gives. */
	waitAmount?: unknown;
	waitUnit?: WaitUnit;
	replyInThread?: boolean;
	subject?: string;
	text?: string;
	html?: string;
	variantChoice?: string;
}

const WAIT_UNITS: readonly WaitUnit[] = ['minutes', 'hours', 'days', 'businessDays'];

function stepParameters(value: unknown): StepParameter[] {
	const list = (value as { step?: unknown } | undefined)?.step;
	return Array.isArray(list) ? (list as StepParameter[]) : [];
}

/**
 * The steps' timing and threading (from the evaluated parameters of the first item), every wait checked
 * here, so a bad one fails the node before anything is sent, naming the step.
 */
export function readSteps(fn: IExecuteFunctions, templates: readonly StepTemplate[][] = []): StepDefinition[] {
	const steps = stepParameters(fn.getNodeParameter('steps', 0, {}));
	if (steps.length === 0) throw new InputError('INVALID_PARAMETER', 'The sequence has no steps: add at least one step.');
	return steps.map((step, i) => {
		const unit = step.waitUnit ?? 'businessDays';
		if (!WAIT_UNITS.includes(unit)) throw new InputError('INVALID_PARAMETER', `Step ${i + 1}: unknown wait unit "${String(unit)}"`);
		const raw = step.waitAmount ?? 0;
		const wait = { amount: typeof raw === 'string' && raw.trim() === '' ? Number.NaN : Number(raw), unit };
		checkWait(wait, i + 1);
		const variants = templates[i]?.length ?? 1;
		return {
			wait,
			replyInThread: step.replyInThread !== false,
			...(variants >= 2 ? { variants, variantChoice: step.variantChoice === 'own' ? ('own' as const) : ('follow' as const) } : {}),
		};
	});
}

/**
 * The raw (unevaluated) templates of each step, so missing variables can be detected: per step, variant A
 * (the step's own fields) and its A/B variants.
 */
export function readTemplates(fn: IExecuteFunctions): StepTemplate[][] {
	const raw = stepParameters(fn.getNodeParameter('steps', 0, {}, { rawExpressions: true }));
	const own = raw.map((step) => ({
		subject: templateFromParameter(String(step.subject ?? '')),
		text: templateFromParameter(String(step.text ?? '')),
		...(step.html ? { html: templateFromParameter(String(step.html)) } : {}),
	}));
	return readVariantTemplates(fn, own);
}

/** Options merged over the defaults. */
export function readOptions(fn: IExecuteFunctions): SequenceOptions {
	const window = fn.getNodeParameter('window', 0, {}) as IDataObject;
	const pacing = fn.getNodeParameter('pacing', 0, {}) as IDataObject;
	const rules = fn.getNodeParameter('stopRules', 0, {}) as IDataObject;
	const num = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));
	const bool = (v: unknown) => (typeof v === 'boolean' ? v : undefined);
	const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
	return resolveOptions(
		{
			pacingMinSeconds: num(pacing.minDelaySeconds),
			pacingMaxSeconds: num(pacing.maxDelaySeconds),
			dailyLimit: num(pacing.dailyLimit),
			maxPerRun: num(pacing.maxPerRun),
			maxRunMinutes: num(pacing.maxRunMinutes),
			window: {
				days: Array.isArray(window.days) ? (window.days as unknown[]).map(Number) : undefined,
				from: str(window.from),
				to: str(window.to),
				timeZone: str(window.timeZone),
			},
			stopRules: {
				onReply: bool(rules.onReply),
				onBounce: bool(rules.onBounce),
				onUnsubscribe: bool(rules.onUnsubscribe),
				onAutoReply: bool(rules.onAutoReply),
				onCompanyReply: bool(rules.onCompanyReply),
			},
			autoReplyPauseDays: num(rules.autoReplyPauseDays),
		},
		fn.getTimezone(),
	);
}

/** The Message Options collection as evaluated for an item, and a reader of its text fields. */
function messageOptionsOf(fn: IExecuteFunctions, index: number): { options: IDataObject; text: (key: string) => string } {
	const options = fn.getNodeParameter('messageOptions', index, {}) as IDataObject;
	return { options, text: (key) => (typeof options[key] === 'string' ? (options[key] as string).trim() : '') };
}

/**
 * The sequence-wide message options (Save a Copy to Sent, Message-ID Domain, Also Check Junk Folder),
 * from the first item: they say where the ledger is and what its Message-IDs look like.
 */
export function readMessageOptions(fn: IExecuteFunctions, settings: MailboxSettings): MessageOptions {
	const { options, text } = messageOptionsOf(fn, 0);
	const senderDomain = parseAddress(settings.email, 'Sender email').domain;
	const domain = text('messageIdDomain') || senderDomain;
	if (!/^[a-z0-9.-]+$/i.test(domain)) throw new InputError('INVALID_PARAMETER', `Message-ID Domain "${domain}" is not a host name.`);
	const saveToSent = text('saveToSent') || 'auto';
	return {
		keepOwnSentCopy: saveToSent === 'always' || (saveToSent === 'auto' && !settings.filesSentItself),
		messageIdDomain: domain.toLowerCase(),
		checkJunk: options.checkJunk !== false,
	};
}

/** Builds a prospect's signed unsubscribe link (Message Options → Unsubscribe Webhook URL). */
export type SignedLinkFn = (address: string) => string;

/**
 * Message Options → Unsubscribe Webhook URL + Unsubscribe Secret (whole sequence, from the first item):
 * the function that gives each prospect its signed link, or undefined when no webhook is set. Checked
 * here, so a bad URL or a short secret fails the node before anything is sent.
 */
export function readSignedUnsubscribe(fn: IExecuteFunctions, sequenceKey: string, now: Date): SignedLinkFn | undefined {
	const { options, text } = messageOptionsOf(fn, 0);
	const webhook = text('unsubscribeWebhookUrl');
	if (!webhook) return undefined;
	if (text('unsubscribeUrl')) {
		throw new InputError('INVALID_PARAMETER', 'Give either One-Click Unsubscribe URL or Unsubscribe Webhook URL, not both.', {
			hint: 'Unsubscribe Webhook URL builds a signed one-click link for each prospect; remove One-Click Unsubscribe URL.',
		});
	}
	const base = new URL(normaliseUnsubscribeUrl(webhook));
	// not trimmed: a secret is taken exactly as typed, in the sending node and in the webhook's
	const secret = checkUnsubscribeSecret(typeof options.unsubscribeSecret === 'string' ? options.unsubscribeSecret : '', 'Unsubscribe Secret');
	return (address) => normaliseUnsubscribeUrl(unsubscribeLink(base, signUnsubscribeToken(sequenceKey, address, secret, now)));
}

/**
 * The message options of one prospect (From Name, Reply-To, Unsubscribe Mailto, One-Click Unsubscribe
 * URL or its signed link, Unsubscribe Footer), evaluated for its item and validated where they enter
 * (header safety, addresses, https URL).
 */
export function readProspectMessage(fn: IExecuteFunctions, index: number, settings: MailboxSettings, address: string, signedLink?: SignedLinkFn): ProspectMessage {
	const { text } = messageOptionsOf(fn, index);
	const fromName = assertHeaderSafe('From Name', text('fromName') || settings.senderName);
	const replyTo = text('replyTo') ? parseAddress(text('replyTo'), 'Reply-To').address : undefined;
	const mailto = parseAddress(text('unsubscribeMailto') || settings.email, 'Unsubscribe Mailto').address;
	const signed = signedLink?.(address);
	const url = signed ?? (text('unsubscribeUrl') ? normaliseUnsubscribeUrl(text('unsubscribeUrl')) : '');
	return {
		fromName,
		...(replyTo ? { replyTo } : {}),
		unsubscribeMailto: `${mailto}?subject=unsubscribe`,
		...(url ? { unsubscribeUrl: url } : {}),
		...(text('unsubscribeFooter') ? { footer: text('unsubscribeFooter') } : {}),
		...(signed ? { footerLink: signed } : {}),
	};
}

/** Reads one item's prospect fields and message options; throws InputError for a bad value. */
export function readProspect(fn: IExecuteFunctions, index: number, settings: MailboxSettings, signedLink?: SignedLinkFn): RunProspect {
	const email = fn.getNodeParameter('email', index, '');
	if (typeof email !== 'string') {
		throw new InputError('INVALID_ADDRESS', `Prospect Email must be text, got ${email === null ? 'null' : typeof email}.`);
	}
	const address = parseAddress(email, 'Prospect Email');
	const name = String(fn.getNodeParameter('name', index, '') ?? '');
	assertHeaderSafe('Prospect Name', name);
	const zone = String(fn.getNodeParameter('timeZone', index, '') ?? '').trim();
	const stop = fn.getNodeParameter('stop', index, false);
	return {
		index,
		address,
		name: name.trim(),
		...(zone ? { timeZone: resolveTimeZone(zone, 'Prospect Time Zone') } : {}),
		stop: stop === true || stop === 'true',
		replied: false,
		message: readProspectMessage(fn, index, settings, address.address, signedLink),
	};
}

/**
 * Message Options → "HTML Fields Not Escaped": the expressions (`{{ $json.signatureHtml }}`, or a bare
 * field name for `$json.<name>`) whose values go into the HTML body as they are; read unevaluated.
 */
export function readRawHtmlExpressions(fn: IExecuteFunctions): Set<string> {
	const raw = fn.getNodeParameter('messageOptions.rawHtmlFields', 0, '', { rawExpressions: true });
	const keys = new Set<string>();
	for (const part of splitTemplate(templateFromParameter(typeof raw === 'string' ? raw : ''), 'HTML Fields Not Escaped')) {
		if (typeof part !== 'string') {
			keys.add(expressionKey(part.code));
			continue;
		}
		for (const entry of part.split(',').map((e) => e.trim()).filter((e) => e.length > 0)) {
			keys.add(expressionKey(entry.startsWith('$') ? entry : `$json.${entry}`));
		}
	}
	return keys;
}

/** Renders a step for an item: expressions evaluated for that item, spintax seeded per prospect/step. */
export function stepRenderer(
	fn: IExecuteFunctions,
	sequenceKey: string,
	templates: StepTemplate[][],
	options: SequenceOptions,
	addressOf: (index: number) => string,
): RenderStepFn {
	const rawHtml = readRawHtmlExpressions(fn);
	return (index, step, threadSubject, variant) => {
		const template = templates[step - 1]?.[variant ?? 0];
		if (!template) throw new SequenceError('INVALID_PARAMETER', `The sequence has no step ${step}.`);
		// n8n-core's evaluateExpression adds the leading '=' itself
		const evaluate = (expression: string) => fn.evaluateExpression(expression, index);
		return renderStep(template, evaluate, {
			step,
			seed: spintaxSeed(sequenceKey, addressOf(index), step),
			threadSubject,
			maxBodyBytes: options.maxBodyBytes,
			rawHtml,
		});
	};
}
