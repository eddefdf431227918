/**
 * `npm run bench:peers` — side by side with what users run today, in ONE real n8n server (the e2e runtime,
 * 2.41.1 on Node 24, this package packed and installed as Settings → Community Nodes does), on the local
 * Postfix + Dovecot (the slot's: `eval "$(bash test/mailstack/slot-env.sh N)"` first):
 *
 *  1. Sending: 200 emails through n8n's own Send Email node (Manual Trigger → Code → Send Email, one
 *     item per email, as n8n's "send to a list" templates) vs through SMTP Sequence (same workflow shape,
 *     pacing off, window open), same SMTP server (implicit TLS), same subject and text, distinct
 *     recipients (u299+…). Each timed from the execution's startedAt to its stoppedAt as n8n saved them.
 *     Alternating, BENCH_PEERS_RUNS (default 3) rounds; the medians give `vs_n8n_send_email` = our
 *     emails/s ÷ theirs. Then the same through a TCP proxy adding a 25 ms round trip (BENCH_PEERS_RTT_MS)
 *     on SMTP and on our IMAP connection: `vs_n8n_send_email_rtt25`.
 *  2. Replies: SMTP Sequence sends step 1 to 30 prospects (u270–u299); then n8n's Email Trigger (IMAP)
 *     (its defaults) and our IMAP Reply Trigger, both published on the sender's mailbox, watch while each
 *     prospect answers from their own mailbox (SMTP submission, In-Reply-To the step's Message-ID), one
 *     every BENCH_PEERS_REPLY_GAP_MS (default 1,500). Per reply and per trigger: the time from the
 *     submission server's 250 to DATA to the startedAt of the execution that carries the reply.
 *
 * Mailboxes: u300 sends (both parts), u299 receives part 1, u270–u299 are part 2's prospects; all are
 * emptied by the bench. n8n listens on BENCH_PEERS_PORT (default 5792); its user folder and log are in
 * `.runtime/peers/`. The n8n process group is stopped on exit, on failure and on Ctrl-C.
 * BENCH_PEERS_PARTS=send or =replies runs one part only (default both).
 * The last line printed is one JSON object.
 */
import './lib/env';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { N8nServer, type WorkflowJson } from '../e2e/lib/n8n-server';
import { TYPES, packAndInstallTemplate } from '../e2e/lib/package-tarball';
import { loadWorkflow } from '../e2e/lib/workflows';
import { ensureMailStack } from '../e2e/setup/prepare';
import { repoRootDir } from '../scripts/lib/n8n-runtime';
import { addressOf, credentialFor, mailstack, n8nImapCredentialFor, resetMailboxes, stack } from '../test/helpers/mailstack';
import { replyFrom } from '../test/helpers/sequence';
import { drained } from './lib/inbox';
import { median, percentile } from './lib/stats';
import { startDelayProxy, type DelayProxy } from './lib/delay-proxy';
import {
	SEND_EMAIL,
	SMTP_SEQUENCE,
	START,
	emissions,
	executionMs,
	nodeMs,
	renderedSubject,
	sendEmailWorkflow,
	sequenceWorkflow,
	type CredentialRef,
	type Emission,
	type Prospect,
} from './lib/peers-workflows';

const EMAILS = Number(process.env.BENCH_PEERS_EMAILS ?? 200);
const RUNS = Number(process.env.BENCH_PEERS_RUNS ?? 3);
const RTT_MS = Number(process.env.BENCH_PEERS_RTT_MS ?? 25);
const REPLIES = 30;
const REPLY_GAP_MS = Number(process.env.BENCH_PEERS_REPLY_GAP_MS ?? 1_500);
const PORT = Number(process.env.BENCH_PEERS_PORT ?? 5792);
/** `send`, `replies` or both (default), comma-separated. */
const PARTS = new Set((process.env.BENCH_PEERS_PARTS ?? 'send,replies').split(',').map((p) => p.trim()));
const SENDER = 'u300';
const SENDER_NAME = 'Sam';
const RECIPIENT = 'u299';
const PROSPECT_USERS = Array.from({ length: REPLIES }, (_, i) => `u${270 + i}`);
const REPLY_TRIGGER = 'IMAP Reply Trigger';
/** Wait after both triggers are active (see replyComparison): above imapflow's 15 s autoIdleDelay. */
const IDLE_SETTLE_MS = 20_000;
const EMAIL_TRIGGER = 'Email Trigger (IMAP)';
/** After the last reply, how long the triggers get to start their executions. */
const EMIT_TIMEOUT_MS = 120_000;
/** A send run of 200 emails through a 25 ms round trip takes about a minute; generous for a loaded box. */
const RUN_TIMEOUT_MS = 15 * 60_000;

const say = (line: string): void => {
	process.stdout.write(`${line}\n`);
};
const log = (line: string): void => {
	process.stderr.write(`[bench:peers] ${line}\n`);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (n: number, digits = 2): number => Math.round(n * 10 ** digits) / 10 ** digits;
const load = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

let server: N8nServer | undefined;
const proxies: DelayProxy[] = [];
let stopping: Promise<void> | undefined;

/** Stops the proxies and n8n's whole process group; idempotent (a signal can race the normal end). */
function cleanUp(): Promise<void> {
	stopping ??= (async () => {
		for (const proxy of proxies.splice(0)) await proxy.close().catch(() => undefined);
		if (server?.running) {
			log('stopping n8n…');
			await server.stop();
		}
	})();
	return stopping;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		log(`${signal}: cleaning up`);
		void cleanUp().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
	});
}

// ---------------------------------------------------------------------------------------------- part 1

type Side = 'theirs' | 'ours';

interface SendRun {
	side: Side;
	variant: 'loopback' | 'rtt';
	round: number;
	ms: number;
	perSecond: number;
	nodeMs: number | undefined;
}

interface SendVariant {
	variant: 'loopback' | 'rtt';
	theirs: CredentialRef;
	ours: CredentialRef;
}

function sendProspects(round: number, side: Side): Prospect[] {
	return Array.from({ length: EMAILS }, (_, i) => ({
		email: `${RECIPIENT}+${side[0]}${round}n${i}@${stack.domain}`,
		firstName: `Pat${i}`,
		company: `Company ${i % 97}`,
	}));
}

/** One timed run: fresh mailboxes, the workflow stored, run as the editor's "Execute workflow", checked. */
async function sendRun(live: N8nServer, side: Side, variant: SendVariant, round: number): Promise<SendRun> {
	await resetMailboxes(SENDER, RECIPIENT);
	const prospects = sendProspects(round, side);
	const name = `peers ${variant.variant} ${side} #${round}`;
	const workflow: WorkflowJson =
		side === 'theirs'
			? sendEmailWorkflow(name, prospects, `${SENDER_NAME} <${addressOf(SENDER)}>`, variant.theirs)
			: sequenceWorkflow(name, prospects, `peers-${variant.variant}-${round}-${Date.now().toString(36)}`, variant.ours);
	const id = await live.createWorkflow(workflow);
	const execution = await live.runManually(id, START, RUN_TIMEOUT_MS);
	if (execution.status !== 'success') {
		throw new Error(`${name}: execution ${execution.id} ended ${execution.status}: ${execution.data?.resultData.error?.message ?? '(no message)'}`);
	}
	const nodeName = side === 'theirs' ? SEND_EMAIL : SMTP_SEQUENCE;
	const items = (execution.data?.resultData.runData[nodeName]?.[0]?.data?.main?.[0] ?? []).map((item) => item.json);
	const ok = side === 'theirs' ? items.filter((j) => Array.isArray(j.accepted) && j.accepted.length === 1).length : items.filter((j) => j.status === 'sent').length;
	if (ok !== EMAILS) throw new Error(`${name}: ${ok} of ${EMAILS} sent (execution ${execution.id})`);
	const ms = executionMs(execution);
	// Let Postfix deliver this run's mail before the next run starts competing with it for the cores.
	await drained(RECIPIENT, EMAILS);
	return { side, variant: variant.variant, round, ms, perSecond: EMAILS / (ms / 1000), nodeMs: nodeMs(execution, nodeName) };
}

interface SendFigures {
	runs: SendRun[];
	theirsPerSecond: number;
	oursPerSecond: number;
	ratio: number;
}

async function sendComparison(live: N8nServer, variant: SendVariant): Promise<SendFigures> {
	const runs: SendRun[] = [];
	for (let r = 1; r <= RUNS; r++) {
		// Alternate who goes first, so a load drift on the shared machine touches both sides alike.
		const order: Side[] = r % 2 === 1 ? ['theirs', 'ours'] : ['ours', 'theirs'];
		for (const side of order) {
			const run = await sendRun(live, side, variant, r);
			runs.push(run);
			say(
				`  ${variant.variant.padEnd(8)} round ${r}  ${side === 'theirs' ? "n8n's Send Email" : 'SMTP Sequence   '}  ${EMAILS} emails in ${(run.ms / 1000).toFixed(2)} s ` +
					`(execution startedAt→stoppedAt; node ${run.nodeMs === undefined ? '?' : (run.nodeMs / 1000).toFixed(2)} s) = ${run.perSecond.toFixed(2)} emails/s  [load ${load()}]`,
			);
		}
	}
	const theirsPerSecond = median(runs.filter((r) => r.side === 'theirs').map((r) => r.perSecond));
	const oursPerSecond = median(runs.filter((r) => r.side === 'ours').map((r) => r.perSecond));
	return { runs, theirsPerSecond, oursPerSecond, ratio: oursPerSecond / theirsPerSecond };
}

// ---------------------------------------------------------------------------------------------- part 2

interface TriggerFigures {
	/** Per reply, in sending order: 250 → start of the first execution carrying it (undefined: never emitted). */
	perReply: Array<number | undefined>;
	latencies: number[];
	emitted: number;
	duplicates: number;
	executions: number;
}

function triggerFigures(found: readonly Emission[], acceptedAt: readonly number[]): TriggerFigures {
	const byReply = new Map<number, Emission[]>();
	for (const e of found) byReply.set(e.reply, [...(byReply.get(e.reply) ?? []), e]);
	const perReply = acceptedAt.map((at, reply) => {
		const list = byReply.get(reply);
		return list ? Math.min(...list.map((e) => e.startedAt)) - at : undefined;
	});
	return {
		perReply,
		latencies: perReply.filter((ms): ms is number => ms !== undefined),
		emitted: byReply.size,
		duplicates: [...byReply.values()].reduce((sum, list) => sum + list.length - 1, 0),
		executions: new Set(found.map((e) => e.executionId)).size,
	};
}

async function replyComparison(live: N8nServer, ours: CredentialRef): Promise<{ ours: TriggerFigures; theirs: TriggerFigures; seenAfter: number }> {
	await resetMailboxes(SENDER, ...PROSPECT_USERS);
	const sequenceKey = `peers-replies-${Date.now().toString(36)}`;
	const prospects: Prospect[] = PROSPECT_USERS.map((user) => ({ email: addressOf(user), firstName: `P${user.slice(1)}`, company: `Company ${user}` }));

	// Step 1 to the 30 prospects, with our node, in the same n8n.
	const sendId = await live.createWorkflow(sequenceWorkflow('peers replies: step 1', prospects, sequenceKey, ours));
	const sent = await live.runManually(sendId, START, RUN_TIMEOUT_MS);
	const step1 = new Map<string, string>();
	for (const item of sent.data?.resultData.runData[SMTP_SEQUENCE]?.[0]?.data?.main?.[0] ?? []) {
		if (item.json.status === 'sent') step1.set(String(item.json.email), String(item.json.messageId));
	}
	if (step1.size !== REPLIES) throw new Error(`step 1: ${step1.size} of ${REPLIES} sent (execution ${sent.id}, ${sent.status})`);
	for (const user of PROSPECT_USERS) await drained(user, 1);
	log(`step 1 sent to ${REPLIES} prospects and delivered (sequence ${sequenceKey})`);

	// Both triggers published on the sender's mailbox at the same time.
	const imapCredential = await live.createCredential(`${SENDER} (IMAP)`, 'imap', n8nImapCredentialFor(SENDER));
	const replyWorkflow = loadWorkflow('reply-trigger', { SEQUENCE_KEY: sequenceKey, CREDENTIAL_ID: ours.id, CREDENTIAL_NAME: ours.name });
	const emailWorkflow = loadWorkflow('email-trigger-imap', { CREDENTIAL_ID: imapCredential, CREDENTIAL_NAME: `${SENDER} (IMAP)` });
	const replyId = await live.createWorkflow(replyWorkflow);
	const emailId = await live.createWorkflow(emailWorkflow);
	const from = live.logSize();
	await live.activateWorkflow(replyId);
	await live.activateWorkflow(emailId);
	await live.waitForTriggerActive(REPLY_TRIGGER, replyWorkflow.name, from);
	await live.waitForTriggerActive(EMAIL_TRIGGER, emailWorkflow.name, from);
	// Steady state before the first reply: n8n's Email Trigger (2.41, @n8n/imap on imapflow) enters IDLE only
	// after imapflow's autoIdleDelay (15 s without a command) following its SELECT; mail arriving before is seen
	// when IDLE starts. A trigger that has been active a while is what users run, so neither side is timed
	// in its first 15 s. Ours enters IDLE inside trigger().
	await sleep(IDLE_SETTLE_MS);
	log(`both triggers active; ${REPLIES} replies, one every ${REPLY_GAP_MS} ms`);

	const replyIds: string[] = [];
	const acceptedAt: number[] = [];
	try {
		for (const [i, user] of PROSPECT_USERS.entries()) {
			const prospect = prospects[i];
			const info = await replyFrom(user, addressOf(SENDER), step1.get(prospect.email) ?? '', {
				subject: `Re: ${renderedSubject(prospect)}`,
				text: `Hi Sam,\n\nyes, a call next week works for me: Tuesday 10:00?\n\n${prospect.firstName}\n\nOn Mon, Sam wrote:\n> Would a 15-minute call next week make sense?`,
			});
			// nodemailer resolves sendMail on the server's 250 to the end of DATA: that is the acceptance.
			acceptedAt.push(Date.now());
			replyIds.push(info.messageId);
			if (i < PROSPECT_USERS.length - 1) await sleep(REPLY_GAP_MS);
		}

		// Both triggers get until every reply is emitted by both, or the timeout.
		const deadline = Date.now() + EMIT_TIMEOUT_MS;
		let oursFound: Emission[] = [];
		let theirsFound: Emission[] = [];
		for (;;) {
			oursFound = emissions(await live.executions(replyId, 250), REPLY_TRIGGER, replyIds);
			theirsFound = emissions(await live.executions(emailId, 250), EMAIL_TRIGGER, replyIds);
			const done = (list: Emission[]) => new Set(list.map((e) => e.reply)).size === REPLIES;
			if ((done(oursFound) && done(theirsFound)) || Date.now() > deadline) break;
			await sleep(1_000);
		}
		// Settle: a late duplicate would show up now.
		await sleep(5_000);
		oursFound = emissions(await live.executions(replyId, 250), REPLY_TRIGGER, replyIds);
		theirsFound = emissions(await live.executions(emailId, 250), EMAIL_TRIGGER, replyIds);
		const seenAfter = Number(/messages=(\d+)/.exec(await mailstack('doveadm', 'mailbox', 'status', '-u', addressOf(SENDER), 'messages', 'INBOX'))?.[1] ?? 0) -
			Number(/unseen=(\d+)/.exec(await mailstack('doveadm', 'mailbox', 'status', '-u', addressOf(SENDER), 'unseen', 'INBOX'))?.[1] ?? 0);
		return { ours: triggerFigures(oursFound, acceptedAt), theirs: triggerFigures(theirsFound, acceptedAt), seenAfter };
	} finally {
		await live.deactivateWorkflow(replyId).catch(() => undefined);
		await live.deactivateWorkflow(emailId).catch(() => undefined);
	}
}

// ------------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
	const uptimeBefore = load();
	say(`bench:peers — parts ${[...PARTS].join(', ')}: ${EMAILS} emails × ${RUNS} rounds (loopback and ${RTT_MS} ms RTT), ${REPLIES} replies one every ${REPLY_GAP_MS} ms; load before ${uptimeBefore} (${os.cpus().length} cores)`);
	ensureMailStack();
	const workDir = path.join(repoRootDir(), '.runtime', 'peers');
	fs.rmSync(workDir, { recursive: true, force: true });
	const packed = await packAndInstallTemplate({ workDir: path.join(workDir, 'pack'), log });
	// Debug level: the bench waits for n8n's "Activated trigger node" lines (N8nServer.waitForTriggerActive).
	server = await N8nServer.create({ userFolder: path.join(workDir, 'n8n'), nodesTemplate: packed.nodesTemplate, port: PORT, log, env: { N8N_LOG_LEVEL: 'debug' } });
	const live = server;
	await live.start();
	await live.setupOwner();
	say(`n8n ${live.runtime.n8nVersion} on Node ${live.runtime.nodeVersion} at ${live.baseUrl} (log ${live.logFile})`);

	const credentials = async (label: string, ports?: { smtp: number; imap: number }): Promise<SendVariant> => {
		const theirsName = `${SENDER} SMTP (${label})`;
		const theirs = await live.createCredential(theirsName, 'smtp', {
			user: addressOf(SENDER),
			password: stack.password,
			host: stack.host,
			port: ports?.smtp ?? stack.smtpsPort,
			secure: true,
		});
		const oursName = `${SENDER} Outreach Mailbox (${label})`;
		const data = { ...credentialFor(SENDER), senderName: SENDER_NAME, ...(ports ? { smtpPort: ports.smtp, imapPort: ports.imap } : {}) };
		const ours = await live.createCredential(oursName, TYPES.credential, data);
		return { variant: ports ? 'rtt' : 'loopback', theirs: { id: theirs, name: theirsName }, ours: { id: ours, name: oursName } };
	};

	const direct = await credentials('direct');
	const result: Record<string, number> = {};
	const medians: string[] = [];
	if (PARTS.has('send')) {
		say(`\n1. ${EMAILS} emails, n8n's Send Email (one item each) vs SMTP Sequence (pacing off), SMTP implicit TLS on ${stack.host}:${stack.smtpsPort}`);
		const loopback = await sendComparison(live, direct);

		const smtpProxy = await startDelayProxy({ host: stack.host, port: stack.smtpsPort }, RTT_MS);
		const imapProxy = await startDelayProxy({ host: stack.host, port: stack.imapsPort }, RTT_MS);
		proxies.push(smtpProxy, imapProxy);
		const delayed = await credentials(`${RTT_MS} ms RTT`, { smtp: smtpProxy.port, imap: imapProxy.port });
		say(`\n   the same through a ${RTT_MS} ms round-trip proxy on SMTP (both) and IMAP (ours)`);
		const rtt = await sendComparison(live, delayed);
		for (const proxy of proxies.splice(0)) await proxy.close();

		medians.push(
			`  loopback: n8n's Send Email ${loopback.theirsPerSecond.toFixed(2)} emails/s, SMTP Sequence ${loopback.oursPerSecond.toFixed(2)} emails/s → vs_n8n_send_email ${loopback.ratio.toFixed(2)}`,
			`  ${RTT_MS} ms RTT: n8n's Send Email ${rtt.theirsPerSecond.toFixed(2)} emails/s, SMTP Sequence ${rtt.oursPerSecond.toFixed(2)} emails/s → vs_n8n_send_email_rtt25 ${rtt.ratio.toFixed(2)}`,
		);
		Object.assign(result, {
			emails: EMAILS,
			runs: RUNS,
			rtt_ms: RTT_MS,
			n8n_send_email_per_s: round(loopback.theirsPerSecond),
			ours_per_s: round(loopback.oursPerSecond),
			vs_n8n_send_email: round(loopback.ratio),
			n8n_send_email_per_s_rtt25: round(rtt.theirsPerSecond),
			ours_per_s_rtt25: round(rtt.oursPerSecond),
			vs_n8n_send_email_rtt25: round(rtt.ratio),
		});
	}

	if (PARTS.has('replies')) {
		say(`\n2. ${REPLIES} replies to step 1, one every ${REPLY_GAP_MS} ms; n8n's Email Trigger (IMAP) (defaults) and IMAP Reply Trigger active on ${addressOf(SENDER)} at once`);
		const replies = await replyComparison(live, direct.ours);
		const line = (name: string, f: TriggerFigures): string =>
			`  ${name}: emitted ${f.emitted}/${REPLIES} in ${f.executions} executions, duplicates ${f.duplicates}; ` +
			`250 → execution start p50 ${Math.round(percentile(f.latencies, 50))} ms, p95 ${Math.round(percentile(f.latencies, 95))} ms, ` +
			`min ${Math.round(Math.min(...f.latencies))} ms, max ${Math.round(Math.max(...f.latencies))} ms`;
		const each = (f: TriggerFigures): string => f.perReply.map((ms) => (ms === undefined ? '-' : String(Math.round(ms)))).join(' ');
		say(line('IMAP Reply Trigger      ', replies.ours));
		say(`    per reply (ms, in sending order): ${each(replies.ours)}`);
		say(line("n8n's Email Trigger IMAP", replies.theirs));
		say(`    per reply (ms, in sending order): ${each(replies.theirs)}`);
		say(`  messages marked \\Seen in ${addressOf(SENDER)}'s INBOX afterwards: ${replies.seenAfter} (n8n's trigger marks what it read; ours never changes flags)`);
		Object.assign(result, {
			replies: REPLIES,
			reply_gap_ms: REPLY_GAP_MS,
			emitted_ours: replies.ours.emitted,
			emitted_n8n_email_trigger: replies.theirs.emitted,
			duplicates_ours: replies.ours.duplicates,
			duplicates_n8n_email_trigger: replies.theirs.duplicates,
			emit_p50_ms_ours: Math.round(percentile(replies.ours.latencies, 50)),
			emit_p95_ms_ours: Math.round(percentile(replies.ours.latencies, 95)),
			emit_p50_ms_n8n_email_trigger: Math.round(percentile(replies.theirs.latencies, 50)),
			emit_p95_ms_n8n_email_trigger: Math.round(percentile(replies.theirs.latencies, 95)),
		});
	}

	if (medians.length) say(`\nMedians (${RUNS} rounds):\n${medians.join('\n')}`);
	say(`load before ${uptimeBefore}, after ${load()}`);
	say(JSON.stringify(result));
}

main()
	.then(() => cleanUp())
	.catch(async (error: unknown) => {
		say(`\nbench:peers failed: ${error instanceof Error ? error.message : String(error)}`);
		if (server) say(`n8n's log: ${server.logFile}`);
		await cleanUp();
		process.exitCode = 1;
	});
