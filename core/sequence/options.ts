/**
 * Every tunable of the SMTP Sequence node, merged over named defaults in one place. The node passes
 * what the user set (n8n collections omit unset fields; null counts as unset) and gets complete,
 * validated options back.
 */
import { InputError } from '../errors';
import { DEFAULT_MAX_BODY_BYTES } from './render';
import { resolveWindow, type SendWindow } from './send-window';

/** Which inbound events stop (or pause) a prospect's sequence. */
export interface StopRules {
	/**
	 * Stop when the prospect replies.
	 * @default true
	 */
	onReply: boolean;
	/**
	 * Stop when a message to the prospect bounces.
	 * @default true
	 */
	onBounce: boolean;
	/**
	 * Stop when the prospect asks to be removed. Spam complaints always stop, whatever this says.
	 * @default true
	 */
	onUnsubscribe: boolean;
	/**
	 * Pause after an out-of-office reply until its return date, else for `autoReplyPauseDays`.
	 * @default false
	 */
	onAutoReply: boolean;
	/**
	 * Stop when someone else at the prospect's company (same domain, free mail excluded) replies.
	 * @default false
	 */
	onCompanyReply: boolean;
}

/** Complete options of one run. */
export interface SequenceOptions {
	/**
	 * Minimum pause between two sends, in seconds.
	 * @default 60
	 */
	pacingMinSeconds: number;
	/**
	 * Maximum pause between two sends, in seconds.
	 * @default 180
	 */
	pacingMaxSeconds: number;
	/**
	 * Sequence emails per mailbox per day (local day in the window's zone), counted from the Sent folder.
	 * @default 50
	 */
	dailyLimit: number;
	/**
	 * Emails one execution sends at most; the rest go out on the next scheduled run.
	 * @default 10
	 */
	maxPerRun: number;
	/**
	 * Minutes one execution may spend sending (pauses included) before it stops starting new sends.
	 * @default 15
	 */
	maxRunMinutes: number;
	/**
	 * When emails may leave.
	 * @default Monday–Friday, 09:00–17:00, in the n8n instance's time zone
	 */
	window: SendWindow;
	/** @default see {@link StopRules} */
	stopRules: StopRules;
	/**
	 * Pause after an auto-reply without a return date, in days (when `stopRules.onAutoReply` is on).
	 * @default 7
	 */
	autoReplyPauseDays: number;
	/**
	 * Largest text + HTML body of one email, in bytes.
	 * @default 2 MiB (2,097,152)
	 */
	maxBodyBytes: number;
}

/** What the user may set: any subset, nested objects partial too. */
export interface SequenceOptionsInput {
	pacingMinSeconds?: number | null;
	pacingMaxSeconds?: number | null;
	dailyLimit?: number | null;
	maxPerRun?: number | null;
	maxRunMinutes?: number | null;
	window?: { days?: readonly number[] | null; from?: string | null; to?: string | null; timeZone?: string | null } | null;
	stopRules?: { [K in keyof StopRules]?: boolean | null } | null;
	autoReplyPauseDays?: number | null;
	maxBodyBytes?: number | null;
}

/** The defaults, apart from the window's zone (the instance's, known only at run time). */
export const DEFAULT_OPTIONS = {
	pacingMinSeconds: 60,
	pacingMaxSeconds: 180,
	dailyLimit: 50,
	maxPerRun: 10,
	maxRunMinutes: 15,
	window: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00' },
	stopRules: { onReply: true, onBounce: true, onUnsubscribe: true, onAutoReply: false, onCompanyReply: false },
	autoReplyPauseDays: 7,
	maxBodyBytes: DEFAULT_MAX_BODY_BYTES,
} as const;

function pick<T>(value: T | null | undefined, fallback: T): T {
	return value === undefined || value === null ? fallback : value;
}

/** The options as the SMTP Sequence node labels them: errors name what the user can change. */
const OPTION_FIELDS: Readonly<Record<string, string>> = {
	pacingMinSeconds: 'Pacing & Limits → Min Delay Between Sends (Seconds)',
	pacingMaxSeconds: 'Pacing & Limits → Max Delay Between Sends (Seconds)',
	dailyLimit: 'Pacing & Limits → Daily Limit for This Mailbox',
	maxPerRun: 'Pacing & Limits → Max Sends per Run',
	maxRunMinutes: 'Pacing & Limits → Max Run Duration (Minutes)',
	autoReplyPauseDays: 'Stop Rules → Auto-Reply Pause (Days)',
};

function fieldOf(name: string): string {
	const label = OPTION_FIELDS[name];
	return label ? `${label} (${name})` : `Option "${name}"`;
}

function requireNumber(name: string, value: number, { min, integer }: { min: number; integer: boolean }): number {
	if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
		throw new InputError(
			'INVALID_PARAMETER',
			`${fieldOf(name)} is ${String(value)}; expected ${integer ? 'a whole number' : 'a number'} of at least ${min}`,
		);
	}
	return value;
}

/**
 * Merges user options over {@link DEFAULT_OPTIONS} and validates them.
 *
 * @param instanceTimeZone - The n8n instance's zone (`this.getTimezone()`), the window's default zone.
 * @throws InputError `INVALID_PARAMETER` / `INVALID_TIMEZONE` naming the option.
 */
export function resolveOptions(input: SequenceOptionsInput, instanceTimeZone: string): SequenceOptions {
	const d = DEFAULT_OPTIONS;
	const window: SendWindow = {
		days: [...pick(input.window?.days, d.window.days)],
		from: pick(input.window?.from, d.window.from),
		to: pick(input.window?.to, d.window.to),
		timeZone: pick(input.window?.timeZone, instanceTimeZone),
	};
	resolveWindow(window);
	const rules = input.stopRules ?? {};
	const options: SequenceOptions = {
		pacingMinSeconds: requireNumber('pacingMinSeconds', pick(input.pacingMinSeconds, d.pacingMinSeconds), { min: 0, integer: false }),
		pacingMaxSeconds: requireNumber('pacingMaxSeconds', pick(input.pacingMaxSeconds, d.pacingMaxSeconds), { min: 0, integer: false }),
		dailyLimit: requireNumber('dailyLimit', pick(input.dailyLimit, d.dailyLimit), { min: 1, integer: true }),
		maxPerRun: requireNumber('maxPerRun', pick(input.maxPerRun, d.maxPerRun), { min: 1, integer: true }),
		maxRunMinutes: requireNumber('maxRunMinutes', pick(input.maxRunMinutes, d.maxRunMinutes), { min: 1, integer: false }),
		window,
		stopRules: {
			onReply: pick(rules.onReply, d.stopRules.onReply),
			onBounce: pick(rules.onBounce, d.stopRules.onBounce),
			onUnsubscribe: pick(rules.onUnsubscribe, d.stopRules.onUnsubscribe),
			onAutoReply: pick(rules.onAutoReply, d.stopRules.onAutoReply),
			onCompanyReply: pick(rules.onCompanyReply, d.stopRules.onCompanyReply),
		},
		autoReplyPauseDays: requireNumber('autoReplyPauseDays', pick(input.autoReplyPauseDays, d.autoReplyPauseDays), { min: 0, integer: false }),
		maxBodyBytes: requireNumber('maxBodyBytes', pick(input.maxBodyBytes, d.maxBodyBytes), { min: 1, integer: true }),
	};
	if (options.pacingMaxSeconds < options.pacingMinSeconds) {
		throw new InputError(
			'INVALID_PARAMETER',
			`${fieldOf('pacingMaxSeconds')} (${options.pacingMaxSeconds}) is below Min Delay Between Sends (${options.pacingMinSeconds}): make Max at least Min`,
		);
	}
	return options;
}
