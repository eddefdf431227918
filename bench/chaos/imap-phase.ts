/**
 * IMAP phase: the IMAP Reply Trigger node watches the sender's INBOX (activated with n8n-core's
 * TriggerContext, re-activated with its saved static data whenever it reports an error, as n8n does) while
 * a worker keeps running a paced sequence from that mailbox, prospects reply at random moments once a
 * step of theirs has arrived, a stream of further replies comes in, every IMAP session of the mailbox is
 * kicked (`doveadm kick`) again and again, and Dovecot itself is restarted. Afterwards: every reply the
 * INBOX holds must have been emitted exactly once, and no step may have reached a prospect after their
 * reply reached the INBOX.
 */
import type { IDataObject, INode, INodeExecutionData } from 'n8n-workflow';
import { ImapReplyTrigger } from '../../nodes/ImapReplyTrigger/ImapReplyTrigger.node.js'; // .js: tsx would pick the .node.json for the bare name
import { activateTrigger, type Activation } from '../../test/harness/trigger-activation';
import { deliver, replyRaw } from '../../test/integration/trigger/trigger-fixtures';
import { addressOf, credentialFor, mailstack, stack } from '../../test/helpers/mailstack';
import type { ChaosContext } from './context';
import { drained, flushQueue, storedMessages } from './mailbox-count';
import { directEndpoints, prospectsOf, stepId, USERS, type RunSpec } from './setup';
import { Worker } from './workers';

/** How much the phase injects. */
export interface ImapPhaseSize {
	kicks: number;
	restarts: number;
	/** Replies in the stream besides the prospects' own. */
	streamReplies: number;
	prospects: number;
	/** How long the paced runs may go on after the last fault. */
	afterFaultsMs: number;
}

const TRIGGER_NODE: Omit<INode, 'parameters'> = {
	id: 'chaos-trigger',
	name: 'IMAP Reply Trigger',
	type: 'n8n-nodes-smtp-sequence.imapReplyTrigger',
	typeVersion: 1,
	position: [0, 0],
	credentials: { outreachMailboxApi: { id: '1', name: 'Mailbox' } },
};

/** The trigger as n8n keeps it alive: on `emitError`, deactivate and activate again from the saved state. */
class LiveTrigger {
	private activation?: Activation;
	private readonly emitted: INodeExecutionData[] = [];
	reactivations = 0;
	private watching?: NodeJS.Timeout;

	constructor(private readonly node: INode) {}

	async start(): Promise<void> {
		this.activation = await this.activate({});
		this.watching = setInterval(() => void this.check(), 500);
	}

	private async activate(staticData: IDataObject): Promise<Activation> {
		for (;;) {
			try {
				return await activateTrigger({
					nodeType: ImapReplyTrigger,
					node: this.node,
					workflowId: 'chaos-trigger',
					credentials: { outreachMailboxApi: credentialFor(USERS.imapSender) },
					staticData,
				});
			} catch {
				// n8n retries a failing activation with a back-off; Dovecot may be restarting
				await new Promise((r) => setTimeout(r, 1000));
			}
		}
	}

	private busy = false;
	private async check(): Promise<void> {
		const current = this.activation;
		if (this.busy || !current || current.errors.length === 0) return;
		this.busy = true;
		this.emitted.push(...current.executions.flat());
		const saved = current.saved();
		await current.response.closeFunction?.().catch(() => undefined);
		this.activation = undefined;
		this.reactivations++;
		this.activation = await this.activate(saved);
		this.busy = false;
	}

	/** Message-IDs of everything emitted so far, by every activation. */
	messageIds(): string[] {
		const items = [...this.emitted, ...(this.activation?.executions.flat() ?? [])];
		return items.map((i) => String(i.json.messageId ?? ''));
	}

	async stop(): Promise<void> {
		clearInterval(this.watching);
		while (this.busy) await new Promise((r) => setTimeout(r, 100));
		if (this.activation) {
			this.emitted.push(...this.activation.executions.flat());
			await this.activation.response.closeFunction?.().catch(() => undefined);
			this.activation = undefined;
		}
	}
}

export async function imapPhase(ctx: ChaosContext, size: ImapPhaseSize): Promise<void> {
	const { rng, options } = ctx;
	const sender = addressOf(USERS.imapSender);
	const pacedKey = `chaos-${options.seed}-paced`;
	const streamKey = `chaos-${options.seed}-stream`;
	const prospects = prospectsOf(USERS.imapRecipients, 'r', size.prospects);
	const steps = 3;
	ctx.plans.push({ phase: 'imap', key: pacedKey, prospects, steps });

	const trigger = new LiveTrigger({
		...TRIGGER_NODE,
		parameters: { events: ['reply', 'autoReply', 'bounce', 'unsubscribe'], scope: 'sequence', watchJunk: false, options: { sequenceKeys: `${pacedKey}, ${streamKey}` } },
	});
	await trigger.start();
	const worker = Worker.start();
	await worker.ready;
	let stopping = false;

	// paced runs, one after the other, until the faults are done
	const spec: RunSpec = {
		sender: USERS.imapSender,
		sequenceKey: pacedKey,
		prospects,
		steps,
		pacing: { minSeconds: 1, maxSeconds: 3 },
		dailyLimit: 100_000,
		endpoints: directEndpoints(),
		label: 'paced',
	};
	let runs = 0;
	let runsUntil = Infinity;
	const running = (async () => {
		while (Date.now() < runsUntil) {
			const outcome = await worker.run(spec);
			runs++;
			const sent = outcome.statuses.filter((s) => s.status === 'sent').length;
			const failed = outcome.statuses.filter((s) => s.status === 'failed').length;
			ctx.log(`imap: paced run ${runs}: ${outcome.error ?? `${sent} sent, ${failed} failed`}`);
			if (outcome.statuses.length > 0 && outcome.statuses.every((s) => s.status === 'completed' || s.status === 'stopped')) break;
			// the next schedule tick
			await new Promise((r) => setTimeout(r, rng.int(500, 1500)));
		}
		stopping = true;
	})();

	// replies: a prospect whose first step has arrived answers it; otherwise one more of the stream
	const replied = new Set<string>();
	let streamed = 0;
	const reply = async (): Promise<void> => {
		const waiting = prospects.filter((p) => !replied.has(p));
		const prospect = waiting.length > 0 && rng.next() < 0.5 ? rng.pick(waiting) : undefined;
		if (prospect) {
			const first = stepId(pacedKey, prospect, 1);
			const user = prospect.slice(0, prospect.indexOf('+'));
			const found = await mailstack('doveadm', 'search', '-u', addressOf(user), 'mailbox', 'INBOX', 'header', 'Message-ID', first).catch(() => '');
			if (found.trim() !== '') {
				replied.add(prospect);
				const messageId = `<chaos-${options.seed}-reply-${replied.size}@${stack.domain}>`;
				await deliver(replyRaw({ from: prospect, to: sender, subject: 'Re: quick question', inReplyTo: first, references: [first], messageId }), { from: prospect, to: sender });
				ctx.replies.push({ messageId, to: USERS.imapSender, prospect, key: pacedKey });
				return;
			}
		}
		if (streamed >= size.streamReplies || ctx.faults.imapKicks >= size.kicks) return;
		streamed++;
		const from = `u109+s${streamed}@${stack.domain}`;
		const first = stepId(streamKey, from, 1);
		const messageId = `<chaos-${options.seed}-stream-${streamed}@${stack.domain}>`;
		await deliver(replyRaw({ from, to: sender, subject: `Re: stream ${streamed}`, inReplyTo: first, references: [first], messageId }), { from, to: sender });
		ctx.replies.push({ messageId, to: USERS.imapSender });
	};
	const replying = (async () => {
		while (!stopping) {
			await reply().catch((error: unknown) => ctx.log(`imap: a reply could not be handed to Postfix: ${String(error)}`));
			await new Promise((r) => setTimeout(r, rng.int(200, 900)));
		}
	})();

	// kicks, with a Dovecot restart every kicks/restarts kicks
	let attempts = 0;
	const restartEvery = Math.max(1, Math.floor(size.kicks / Math.max(1, size.restarts)));
	while (ctx.faults.imapKicks < size.kicks || ctx.faults.serverRestarts < size.restarts) {
		// ~1.6 s apart: a paced run kicked in its pacing pause has sent a step or two by then
		await new Promise((r) => setTimeout(r, rng.int(800, 2400)));
		if (ctx.faults.imapKicks < size.kicks) {
			attempts++;
			const out = await mailstack('kick', sender).catch(() => '');
			// doveadm kick names the users it kicked; nothing printed: no session was open at that moment
			if (out.includes(sender)) ctx.faults.imapKicks++;
		}
		const restartDue = ctx.faults.imapKicks >= (ctx.faults.serverRestarts + 1) * restartEvery - Math.floor(restartEvery / 2);
		if (ctx.faults.serverRestarts < size.restarts && (restartDue || ctx.faults.imapKicks >= size.kicks)) {
			await mailstack('restart-dovecot');
			ctx.faults.serverRestarts++;
			ctx.log(`imap: Dovecot restarted (${ctx.faults.serverRestarts}/${size.restarts}) after ${ctx.faults.imapKicks} kicks`);
		}
		if (attempts > size.kicks * 5) {
			ctx.log('imap: too many kicks found no session; stopping the kicks');
			break;
		}
	}
	// most runs were kicked before their second send: the runs go on unkicked (prospects still replying)
	// until every prospect completed or stopped, for at most `afterFaultsMs`
	runsUntil = Date.now() + size.afterFaultsMs;
	ctx.log(`imap: ${ctx.faults.imapKicks} kicks (${attempts} tries), ${ctx.faults.serverRestarts} restarts; paced runs go on for up to ${size.afterFaultsMs / 1000} s`);
	await running;
	await replying;
	await worker.end();
	await flushQueue();
	if (!(await drained())) ctx.log('imap: Postfix still has queued mail after 2 minutes');

	// the trigger has a while to catch up with what the INBOX holds
	const ours = new Set(ctx.replies.filter((r) => r.to === USERS.imapSender).map((r) => r.messageId));
	const deadline = Date.now() + 90_000;
	for (;;) {
		const inbox = (await storedMessages(USERS.imapSender)).filter((m) => ours.has(m.messageId)).map((m) => m.messageId);
		const emitted = new Set(trigger.messageIds());
		if (inbox.every((id) => emitted.has(id)) || Date.now() > deadline) break;
		await new Promise((r) => setTimeout(r, 1000));
	}
	await trigger.stop();
	ctx.emitted.push(...trigger.messageIds());
	ctx.log(`imap: ${replied.size} prospect replies, ${streamed} stream replies, ${runs} paced runs, trigger re-activated ${trigger.reactivations} times`);
}
