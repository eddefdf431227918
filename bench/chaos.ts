/**
 * `npm run chaos` — the README's guarantees under injected faults, against the real Postfix + Dovecot
 * (must be running: `npm run mailstack start`), with the real nodes in n8n-core's engine. Not part of
 * `npm test`. Phases (docs/reliability.md, "Chaos run"):
 *
 *  kill     runs in worker processes SIGKILLed at points of the protocol (before/after the claim's
 *           APPEND, during SMTP DATA, after the final ".", around the $SeqSent STORE) or at random times;
 *           follow-up runs finish each sequence
 *  overlap  pairs of runs in two processes on the same prospects, daily limit below the due count
 *  smtp     SMTP faults (see smtp-phase.ts), each followed by a clean run
 *  imap     the IMAP Reply Trigger watching while paced runs go on, prospects reply, sessions are kicked
 *           and Dovecot restarts
 *  nokeywords  kill runs and overlapping pairs again, from a mailbox that keeps no custom keywords
 *           (Exchange-like exo09: no $SeqClaim/$SeqSent)
 *
 * Every figure is counted from the recipients' mailboxes, the sender's INBOX, the trigger's emitted
 * items and the servers' connection lists. Usage: npm run chaos -- [--quick] [--seed N] [--only kill,imap]
 * Mailbox users u101–u110 and exo09 (emptied first). Last line: one JSON object.
 */
import './chaos/env';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { mailstack, resetMailboxes } from '../test/helpers/mailstack';
import type { ChaosContext } from './chaos/context';
import { imapPhase } from './chaos/imap-phase';
import { killPhase } from './chaos/kill-phase';
import { drained, leakedConnections, storedIn, storedMessages } from './chaos/mailbox-count';
import { noKeywordsPhase } from './chaos/nokeywords-phase';
import { overlapPhase } from './chaos/overlap-phase';
import { ALL_USERS, parseOptions, Rng, USERS, type PhaseName } from './chaos/setup';
import { smtpPhase } from './chaos/smtp-phase';
import { sendFigures, sendsAfterReply, triggerFigures } from './chaos/verdict';

const FULL = { kills: 50, pairs: 20, smtpFaults: 30, imap: { kicks: 100, restarts: 5, streamReplies: 80, prospects: 16, afterFaultsMs: 150_000 }, noKeywords: { kills: 15, pairs: 6 } };
const QUICK = { kills: 8, pairs: 4, smtpFaults: 10, imap: { kicks: 15, restarts: 1, streamReplies: 10, prospects: 6, afterFaultsMs: 45_000 }, noKeywords: { kills: 4, pairs: 2 } };

function log(message: string): void {
	process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

async function phase(ctx: ChaosContext, name: PhaseName, run: () => Promise<void>): Promise<void> {
	if (!ctx.options.phases.has(name)) return;
	const started = Date.now();
	log(`${name}: start`);
	await run();
	if (!(await drained())) log(`${name}: Postfix still has queued mail after 2 minutes`);
	ctx.leaks[name] = await leakedConnections(ALL_USERS);
	log(`${name}: done in ${Math.round((Date.now() - started) / 1000)} s; open afterwards: ${JSON.stringify(ctx.leaks[name])}`);
}

async function main(): Promise<void> {
	const options = parseOptions(process.argv.slice(2));
	const size = options.quick ? QUICK : FULL;
	await mailstack('status').catch(() => {
		throw new Error('the mail stack is not running: npm run mailstack start (with your slot\'s environment)');
	});
	const ctx: ChaosContext = {
		options,
		rng: new Rng(options.seed),
		log,
		plans: [],
		replies: [],
		faults: { killRuns: 0, killPoints: {}, overlapRuns: 0, smtpFaults: 0, smtpFaultKinds: {}, imapKicks: 0, serverRestarts: 0, noKeywordKills: 0, noKeywordKillPoints: {}, noKeywordPairs: 0 },
		leaks: {},
		emitted: [],
	};
	const started = Date.now();
	log(`seed ${options.seed}${options.quick ? ' (quick)' : ''}; phases ${[...options.phases].join(', ')}; emptying u101–u110, exo09`);
	await resetMailboxes(...ALL_USERS);

	await phase(ctx, 'kill', () => killPhase(ctx, size.kills));
	await phase(ctx, 'overlap', () => overlapPhase(ctx, size.pairs));
	await phase(ctx, 'smtp', () => smtpPhase(ctx, size.smtpFaults));
	await phase(ctx, 'imap', () => imapPhase(ctx, size.imap));
	await phase(ctx, 'nokeywords', () => noKeywordsPhase(ctx, size.noKeywords));

	const recipients = await storedIn([...USERS.killRecipients, ...USERS.overlapRecipients, ...USERS.imapRecipients]);
	const senderInbox = await storedMessages(USERS.imapSender);
	const sends = sendFigures(ctx.plans, recipients);
	const afterReply = sendsAfterReply(ctx.plans, ctx.replies, senderInbox, recipients);
	const trigger = triggerFigures(ctx.replies, senderInbox, ctx.emitted);
	const leaked = Object.values(ctx.leaks).reduce((sum, l) => sum + l.leaked, 0);

	const details = {
		seed: options.seed,
		quick: options.quick,
		seconds: Math.round((Date.now() - started) / 1000),
		kill_points: ctx.faults.killPoints,
		nokeyword_kill_points: ctx.faults.noKeywordKillPoints,
		smtp_fault_kinds: ctx.faults.smtpFaultKinds,
		steps_delivered: sends.delivered,
		replies_in_inbox: trigger.delivered,
		duplicates: sends.duplicates,
		over_limit: sends.overLimit,
		sends_after_reply: afterReply.cases,
		lost_replies: trigger.lost,
		leaks: ctx.leaks,
	};
	const file = path.join(__dirname, '..', '.runtime', 'chaos', `seed-${options.seed}.json`);
	mkdirSync(path.dirname(file), { recursive: true });
	writeFileSync(file, `${JSON.stringify(details, null, 2)}\n`);
	log(`details: ${file}`);
	log(JSON.stringify(details));

	process.stdout.write(
		`${JSON.stringify({
			kill_runs: ctx.faults.killRuns,
			overlap_runs: ctx.faults.overlapRuns,
			smtp_faults: ctx.faults.smtpFaults,
			imap_kicks: ctx.faults.imapKicks,
			server_restarts: ctx.faults.serverRestarts,
			replies_sent: ctx.replies.length,
			duplicate_sends: sends.duplicateSends,
			sends_after_reply: afterReply.count,
			daily_limit_exceeded: sends.dailyLimitExceeded,
			lost_replies: trigger.lost.length,
			duplicate_emits_without_crash: trigger.duplicateEmits,
			leaked_connections: leaked,
			nokeyword_kill_runs: ctx.faults.noKeywordKills,
			nokeyword_overlap_runs: ctx.faults.noKeywordPairs,
		})}\n`,
	);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
