/**
 * An agency's mailbox under the connection limit (issue #10): the IMAP Reply Trigger watches INBOX while
 * four SMTP Sequence workflows send at the same moment on the same mailbox, through n8n-core's engine,
 * with the stack at Dovecot's default of 10 connections per user and address. Unlimited, they would
 * need 1 + 4 × 3 = 13. Reports whether every run completed (every prospect sent), whether the trigger
 * kept its one session (no reconnect, no fatal error), the wall time, and the most connections the
 * server counted for the user at once (`doveadm who`, sampled every 250 ms).
 *
 * Users `bench-agency` (the mailbox) and `s20` (the prospects, plus-addresses).
 */
import { performance } from 'node:perf_hooks';
import { resolveTriggerOptions } from '../../core/trigger/trigger-options';
import { emptyTriggerState, type TriggerState } from '../../core/trigger/trigger-state';
import { ReplyTriggerEngine } from '../../transport/reply-trigger-engine';
import { addressOf, mailstack, resetMailboxes, settingsFor } from '../../test/helpers/mailstack';
import { runScaleWorkflow } from './scale-workflow';

export const AGENCY_USER = 'bench-agency';
const WORKFLOWS = 4;
const PROSPECTS = 50;

export interface AgencyFigure {
	allComplete: boolean;
	sent: number;
	triggerSessions: number;
	triggerFatal: string | null;
	ms: number;
	peakConnections: number;
}

async function connectionsOf(address: string): Promise<number> {
	const out = await mailstack('doveadm', 'who', '-1', address).catch(() => '');
	return out.split('\n').filter((line) => line.includes(address) && /\bimap\b/.test(line)).length;
}

export async function agencyOnce(): Promise<AgencyFigure> {
	await resetMailboxes(AGENCY_USER, 's20');
	const me = addressOf(AGENCY_USER);
	let state: TriggerState = emptyTriggerState();
	let fatal: string | null = null;
	let waiting: () => void = () => undefined;
	const firstIdle = new Promise<void>((resolve) => (waiting = resolve));
	const trigger = new ReplyTriggerEngine({
		settings: settingsFor(AGENCY_USER),
		folders: ['INBOX'],
		options: resolveTriggerOptions(),
		store: { load: () => structuredClone(state), save: (s) => void (state = structuredClone(s)) },
		emit: () => undefined,
		onFatal: (error) => void (fatal = error.message),
		onWaiting: () => waiting(),
	});
	await trigger.start();
	await firstIdle;
	let peak = 0;
	let sampling = true;
	const sampler = (async () => {
		while (sampling) {
			peak = Math.max(peak, await connectionsOf(me));
			await new Promise((r) => setTimeout(r, 250));
		}
	})();
	const tag = Date.now().toString(36);
	const t0 = performance.now();
	let sent = 0;
	let complete = true;
	try {
		const runs = await Promise.all(
			Array.from({ length: WORKFLOWS }, (_, w) =>
				runScaleWorkflow(
					'send',
					`agency-${tag}-${w}`,
					AGENCY_USER,
					Array.from({ length: PROSPECTS }, (_, i) => ({ json: { email: `s20+w${w}p${i}@example.test`, firstName: `Pat${i}` } })),
				),
			),
		);
		for (const run of runs) {
			if (run.error) {
				complete = false;
				continue;
			}
			const out = run.output('SMTP Sequence');
			const ok = out.filter((i) => i.json.status === 'sent').length;
			sent += ok;
			if (ok !== PROSPECTS) complete = false;
		}
	} finally {
		sampling = false;
		await sampler;
	}
	const ms = performance.now() - t0;
	const sessions = trigger.watchers.reduce((n, w) => n + w.stats.sessions, 0);
	await trigger.stop();
	return { allComplete: complete, sent, triggerSessions: sessions, triggerFatal: fatal, ms, peakConnections: peak };
}
