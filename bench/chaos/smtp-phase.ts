/**
 * SMTP phase: a sequence's first step meets one SMTP fault, then follow-up runs (straight to the stack)
 * take the prospect to the end of the sequence. Faults, in turn:
 *
 *  timeout-after-data  the fault proxy forwards the message and its final "." to Postfix (which queues
 *                      it) but nothing back: the node waits out its SMTP timeout (60 s, not a
 *                      parameter), so these runs go side by side in the background
 *  reset-after-data    the fault proxy resets the connection right after the final "." (Postfix has it)
 *  421-after-data      the in-process SMTP server answers "421 4.3.2" to the message
 *  452-at-rcpt         … "452 4.2.2 Mailbox full" to RCPT TO
 *  511-at-rcpt         … "550 5.1.1 User unknown" to RCPT TO
 *
 * Proxy and server are the guarantees work's test helpers (test/helpers/fault-proxy.ts, fault-smtp.ts).
 * Whatever the node reports, the prospect's mailbox must end up with each step at most once.
 */
import { faultProxy, type FaultProxy } from '../../test/helpers/fault-proxy';
import { faultSmtpServer, type SmtpAnswer } from '../../test/helpers/fault-smtp';
import { stack } from '../../test/helpers/mailstack';
import type { ChaosContext } from './context';
import { directEndpoints, prospectsOf, USERS, type RunOutcome, type RunSpec } from './setup';
import { runSpec } from './worker';

export const SMTP_FAULTS = ['timeout-after-data', 'reset-after-data', '421-after-data', '452-at-rcpt', '511-at-rcpt'] as const;
export type SmtpFaultKind = (typeof SMTP_FAULTS)[number];

const STEPS = 2;

/** The in-process server's answer for a prospect, by the fault named in its address. */
function answerFor(recipient: string): SmtpAnswer | undefined {
	if (recipient.includes('-421-')) return { at: 'data', code: 421, text: '4.3.2 Service shutting down, try again later' };
	if (recipient.includes('-452-')) return { at: 'rcpt', code: 452, text: '4.2.2 Mailbox full' };
	if (recipient.includes('-511-')) return { at: 'rcpt', code: 550, text: '5.1.1 Recipient address rejected: User unknown' };
	return undefined;
}

/** Whether the node met the fault: anything but a plain, confirmed "sent". */
function metFault(outcome: RunOutcome): boolean {
	const first = outcome.statuses[0];
	return outcome.error !== undefined || (first !== undefined && (first.status !== 'sent' || first.unconfirmed === true));
}

export async function smtpPhase(ctx: ChaosContext, count: number): Promise<void> {
	const silent = await faultProxy({ host: stack.host, port: stack.mxPort });
	silent.smtpFault = 'silence-after-dot';
	const resetting = await faultProxy({ host: stack.host, port: stack.mxPort });
	resetting.smtpFault = 'reset-after-dot';
	const server = await faultSmtpServer(answerFor);
	const portOf: Record<SmtpFaultKind, number> = {
		'timeout-after-data': silent.port,
		'reset-after-data': resetting.port,
		'421-after-data': server.port,
		'452-at-rcpt': server.port,
		'511-at-rcpt': server.port,
	};
	const background: Promise<void>[] = [];
	try {
		// the same number of each kind, in a seeded order; timeouts first, so they wait side by side
		const kinds = Array.from({ length: count }, (_, i) => SMTP_FAULTS[i % SMTP_FAULTS.length]);
		const order = kinds.map((kind) => ({ kind, r: ctx.rng.next() })).sort((a, b) => Number(b.kind === 'timeout-after-data') - Number(a.kind === 'timeout-after-data') || a.r - b.r);
		for (const [i, { kind }] of order.entries()) {
			const key = `chaos-${ctx.options.seed}-smtp-${i}`;
			const short = kind.split('-')[0];
			const prospects = prospectsOf(USERS.killRecipients, `f${i}-${short}-`, 1);
			ctx.plans.push({ phase: 'smtp', key, prospects, steps: STEPS });
			const base: Omit<RunSpec, 'endpoints' | 'label'> = {
				sender: USERS.killSender,
				sequenceKey: key,
				prospects,
				steps: STEPS,
				pacing: { minSeconds: 0, maxSeconds: 0 },
				dailyLimit: 100_000,
			};
			const one = (async () => {
				const faulted = await runSpec({ ...base, endpoints: { ...directEndpoints(), smtp: { port: portOf[kind], security: 'none' } }, label: `smtp ${i} ${kind}` });
				if (metFault(faulted)) {
					ctx.faults.smtpFaults++;
					ctx.faults.smtpFaultKinds[kind] = (ctx.faults.smtpFaultKinds[kind] ?? 0) + 1;
				} else ctx.log(`smtp ${i} (${kind}): the node did not meet the fault: ${JSON.stringify(faulted)}`);
				const first = faulted.statuses[0];
				const said = faulted.error ?? `${first?.status}${first?.unconfirmed ? ' (unconfirmed)' : ''}${first?.error ? `: ${first.error}` : ''}`;
				ctx.log(`smtp ${i} (${kind}): ${said}`);
				for (let r = 0; r < STEPS + 1; r++) {
					const after = await runSpec({ ...base, endpoints: directEndpoints(), label: `smtp ${i} follow-up` });
					const done = (s: { status: string; step?: number }) => s.status === 'completed' || s.status === 'stopped' || (s.status === 'sent' && s.step === STEPS);
					if (after.statuses.length > 0 && after.statuses.every(done)) break;
				}
			})();
			if (kind === 'timeout-after-data') background.push(one);
			else await one;
		}
	} finally {
		await Promise.all(background);
		await Promise.all([silent, resetting].map((p: FaultProxy) => p.close()));
		await server.close();
	}
}
