/**
 * The sending window in words, as an item states it: which days, which hours, and which time zone —
 * with where that zone came from, since n8n's default (America/New_York) surprises people elsewhere.
 */
import type { SendWindow } from './send-window';

/** Where the window's zone came from. */
export type WindowZoneSource = 'prospect' | 'window' | 'workflow';

const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** "Mon–Fri", "Mon, Wed, Fri", "every day". */
export function describeDays(days: readonly number[]): string {
	const sorted = [...new Set(days)].filter((d) => d >= 1 && d <= 7).sort((a, b) => a - b);
	if (sorted.length === 7) return 'every day';
	const runs: string[] = [];
	for (let i = 0; i < sorted.length; ) {
		let j = i;
		while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
		const first = DAY_NAMES[sorted[i] - 1];
		runs.push(j - i >= 2 ? `${first}–${DAY_NAMES[sorted[j] - 1]}` : sorted.slice(i, j + 1).map((d) => DAY_NAMES[d - 1]).join(', '));
		i = j + 1;
	}
	return runs.join(', ');
}

const SOURCE_TEXT: Record<WindowZoneSource, string> = {
	prospect: "the prospect's time zone",
	window: "the Sending Window's time zone",
	workflow: "the workflow's time zone",
};

/** "Mon–Fri 09:00–17:00 America/New_York (the workflow's time zone)". */
export function describeWindow(window: SendWindow, prospectTimeZone: string | undefined, windowZone: 'window' | 'workflow'): string {
	const zone = prospectTimeZone ?? window.timeZone;
	const source = prospectTimeZone ? 'prospect' : windowZone;
	return `${describeDays(window.days)} ${window.from}–${window.to} ${zone} (${SOURCE_TEXT[source]})`;
}
