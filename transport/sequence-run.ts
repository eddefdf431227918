/**
 * One run of the SMTP Sequence node: read the ledger from the mailbox, decide every prospect, then send
 * the due steps one at a time — pacing wait, claim in Sent, re-check the inbox, SMTP, confirm. Clock,
 * sleep and randomness are injected; the decisions themselves are the pure core's.
 *
 * With no pacing wait, the next step's claim and re-check run while the previous step's SMTP transaction
 * is in flight (IMAP and SMTP are separate connections), so the ledger costs little on top of raw
 * sending. Each step is still claimed before its own SMTP begins and re-checked after its claim; a claim
 * whose step is not sent after all (the previous send blocked the mailbox or used the last of a limit)
 * is released. The argument is in docs/design.md ("Never twice").
 */
import type { ImapFlow } from 'imapflow';
import type { Transporter } from 'nodemailer';
import { DateTime } from 'luxon';
import { SequenceError, asSequenceError } from '../core/errors';
import { formatMailbox, type ParsedAddress } from '../core/mail/address';
import { ledgerAddress, prospectHash, sequenceHash, sequenceMessageId, type SequenceMessageRef } from '../core/mail/message-id';
import { threadHeaders } from '../core/mail/threading';
import type { MailboxSettings } from '../core/mailbox/settings';
import { decide, type Decision, type LimitsState, type StopReason } from '../core/sequence/decide';
import { buildLedger, ledgerKey, prospectState, type InboundFact, type Ledger, type ProspectState, type SentFact } from '../core/sequence/ledger';
import type { SequenceOptions } from '../core/sequence/options';
import { pacingDelayMs } from '../core/sequence/pacing';
import type { RenderedStep } from '../core/sequence/render';
import { planRemaining, startOfDay, type StepTiming } from '../core/sequence/schedule';
import { composeRaw } from './compose';
import { explainConnectionError, secretsFor } from './connection-error';
import { createImapClient } from './imap-client';
import { LedgerReader, type InboundMessage, type SentCopy } from './ledger-reader';
import { findJunkFolder, findSentFolder } from './mail-folders';
import { CLAIM_KEYWORD, SENT_KEYWORD, claimStep, confirmClaims, releaseClaim, type Claim } from './sent-claim';
import { createSmtpPool } from './smtp-client';
import { sendRaw } from './smtp-send';

/**
 * A claim older than this without `$SeqSent` belongs to a run that died between APPEND and the SMTP
 * answer: reported as `unconfirmed`. Longer than any SMTP exchange (connection + DATA timeouts).
 */
export const UNCONFIRMED_AFTER_MS = 10 * 60_000;

/**
 * Accepted sends are confirmed (`$SeqSent`) in one STORE per this many, or after {@link CONFIRM_DELAY_MS}:
 * on a maildir server every flag change renames files, which makes the claiming session re-read the Sent
 * directory, so one STORE per send slows the claims down. Until confirmed, a copy only reads as a claim;
 * that matters after a crash, where it counts as sent either way (reported `unconfirmed`).
 */
export const CONFIRM_BATCH = 32;
/** Longest time an accepted send waits for its confirmation STORE. */
export const CONFIRM_DELAY_MS = 500;

/** One step of the sequence as the run needs it (templates are rendered through `render`). */
export interface StepDefinition extends StepTiming {
	/** Follow-ups answer the previous step (In-Reply-To/References). Ignored for step 1. */
	replyInThread: boolean;
}

/** A prospect of the run, already validated by the node. */
export interface RunProspect {
	/** Index of the input item. */
	index: number;
	address: ParsedAddress;
	name: string;
	timeZone?: string;
	stop: boolean;
	replied: boolean;
}

/** Message options (node parameters, validated). */
export interface MessageOptions {
	fromName: string;
	replyTo?: string;
	/** `address?subject=unsubscribe`, without the scheme. */
	unsubscribeMailto: string;
	unsubscribeUrl?: string;
	footer?: string;
	/** Keep our APPENDed copy when the provider also files one (auto: unless the provider files itself). */
	keepOwnSentCopy: boolean;
	messageIdDomain: string;
	checkJunk: boolean;
}

/** Renders step `step` for the prospect of item `index`; throws InputError (missing variable …). */
export type RenderStepFn = (index: number, step: number, threadSubject: string | undefined) => RenderedStep;

/** Everything one run needs. */
export interface RunRequest {
	operation: 'send' | 'preview';
	sequenceKey: string;
	settings: MailboxSettings;
	steps: StepDefinition[];
	options: SequenceOptions;
	message: MessageOptions;
	prospects: RunProspect[];
	render: RenderStepFn;
	/**
	 * Stop at the first failed prospect (the node's default when "Continue On Fail" is off). Templates of
	 * all due prospects are rendered before anything is sent, so a missing variable fails the run before
	 * the first email rather than halfway through it.
	 */
	failFast?: boolean;
}

/** Injected time and chance. */
export interface RunEnvironment {
	now(): Date;
	sleep(ms: number): Promise<void>;
	random(): number;
}

/** Status of one prospect after the run. */
/** 'due' only in Preview: the step would go out now. */
export type ResultStatus = Decision['status'] | 'sent' | 'failed';

/** What the run says about one prospect (the node turns it into an item). */
export interface ProspectResult {
	index: number;
	email: string;
	sequenceKey: string;
	status: ResultStatus;
	reason: string;
	stopReason?: StopReason;
	/** The step sent, due, or previewed; for `completed`, the last step. */
	step?: number;
	messageId?: string;
	/** Message-ID of step 1: the thread a CRM can link to. */
	threadMessageId?: string;
	sentAt?: string;
	nextStepAt?: string;
	smtpResponse?: string;
	/** Steps found in Sent (step, sentAt, unconfirmed). */
	history: { step: number; messageId: string; sentAt: string; unconfirmed?: boolean }[];
	error?: SequenceError;
	preview?: { subject: string; text: string; html?: string; schedule: { step: number; at: string }[] };
}

/** The rest of the run when the mailbox stopped sending (policy rejection or lost connection). */
interface Blocked {
	error: SequenceError;
}

/** A due step, rendered, composed and claimed in Sent: ready for SMTP. */
interface Claimed {
	prospect: RunProspect;
	step: number;
	/** The Date header, and the decision's time. */
	now: Date;
	raw: Buffer;
	messageId: string;
	subject: string;
	claim: Claim;
	threadMessageId: string;
}

/** A step whose SMTP transaction is in flight. */
interface InFlight {
	key: string;
	done: Promise<ProspectResult>;
}

function iso(at: DateTime | Date | undefined): string | undefined {
	if (!at) return undefined;
	return at instanceof Date ? at.toISOString() : (at.toUTC().toISO() ?? undefined);
}

function toSentFacts(copies: readonly SentCopy[]): SentFact[] {
	return copies.map((c) => ({ messageId: c.messageId, date: c.date, to: c.to, keywords: c.keywords }));
}

/**
 * Inbound messages as ledger facts. Replies that broke the thread (no refs, but from a prospect after
 * their first step) and bounces naming a prospect as failed recipient are attributed by address.
 */
function toInboundFacts(
	messages: readonly InboundMessage[],
	sequenceKey: string,
	firstSentAt: ReadonlyMap<string, Date>,
): InboundFact[] {
	const facts: InboundFact[] = [];
	const seqHash = sequenceHash(sequenceKey);
	for (const m of messages) {
		const c = m.classification;
		const refs: SequenceMessageRef[] = [...m.refs];
		const bounceRecipients = c.class === 'bounce' ? c.recipients.map((r) => ledgerAddress(r.address)) : undefined;
		const byAddress = [...(bounceRecipients ?? []), ...(c.class !== 'bounce' && m.from ? [m.from] : [])];
		if (refs.length === 0) {
			for (const address of byAddress) {
				const first = firstSentAt.get(address);
				if (first && m.date >= first) refs.push({ sequenceHash: seqHash, step: 1, prospectHash: prospectHash(sequenceKey, address) });
			}
		}
		if (refs.length === 0) continue;
		facts.push({
			kind: c.class,
			from: m.from ?? '',
			date: m.date,
			messageId: m.messageId ?? `<${m.folder}.${m.uid}@inbound>`,
			refs,
			bounceRecipients,
			returnDate: c.class === 'autoReply' && c.returnDate ? DateTime.fromISO(c.returnDate, { zone: 'UTC' }) : undefined,
		});
	}
	return facts;
}

/** Runs the sequence for all prospects; never throws for a per-prospect problem. */
export async function runSequence(request: RunRequest, env: RunEnvironment): Promise<ProspectResult[]> {
	const run = new SequenceRun(request, env);
	return run.execute();
}

class SequenceRun {
	private readonly seqHash: string;
	/**
	 * Every prospect address of the run: inbound mail is matched against all of them, also in the
	 * re-check before one prospect's send (it advances past what it reads, for everyone).
	 */
	private readonly addresses: ReadonlySet<string>;
	private readonly startedAt: Date;
	private sentClient?: ImapFlow;
	private inboxClient?: ImapFlow;
	/** A second session on Sent (Send only) that stores `$SeqSent` while the first one claims the next step. */
	private confirmClient?: ImapFlow;
	private smtp?: Transporter;
	private reader?: LedgerReader;
	private sentPath = '';
	private sentCopies: SentCopy[] = [];
	/** `sentCopies` by Message-ID and by ledger key, kept in step with it. */
	private copiesById = new Map<string, SentCopy[]>();
	private copiesByProspect = new Map<string, SentCopy[]>();
	private inbound: InboundMessage[] = [];
	/** `inbound` as ledger facts, as of the last full rebuild. */
	private inboundFacts: InboundFact[] = [];
	private ledger?: Ledger;
	/** States of prospects sent to since the last full rebuild (a send changes only its own prospect). */
	private readonly updated = new Map<string, ProspectState>();
	/** Ledger key of each prospect (two SHA-256 each: computed once). */
	private readonly keys = new Map<number, string>();
	/** Claims accepted by SMTP whose `$SeqSent` is not stored yet; one STORE confirms them all. */
	private confirmQueue: number[] = [];
	private confirming: Promise<void> = Promise.resolve();
	private confirmTimer?: NodeJS.Timeout;
	private sentToday = 0;
	private sentThisRun = 0;
	private lastSendAt?: number;
	private blocked?: Blocked;
	/** Due steps rendered before the first send (see `failFast`). */
	private readonly rendered = new Map<number, { step: number; email: RenderedStep }>();

	constructor(
		private readonly request: RunRequest,
		private readonly env: RunEnvironment,
	) {
		this.seqHash = sequenceHash(request.sequenceKey);
		this.addresses = new Set(request.prospects.map((p) => ledgerAddress(p.address.address)));
		this.startedAt = env.now();
	}

	async execute(): Promise<ProspectResult[]> {
		const { prospects } = this.request;
		try {
			await this.openLedger();
		} catch (error) {
			const failure = asSequenceError(error);
			await this.close();
			return prospects.map((p) => this.failed(p, failure));
		}
		try {
			const results = new Map<number, ProspectResult>();
			const due: { prospect: RunProspect; decision: Decision }[] = [];
			const now = this.env.now();
			for (const prospect of prospects) {
				const decision = this.decideFor(prospect, now);
				if (this.request.operation === 'preview') results.set(prospect.index, this.preview(prospect, decision, now));
				else if (decision.status === 'due') due.push({ prospect, decision });
				else results.set(prospect.index, this.fromDecision(prospect, decision));
			}
			for (const { prospect, decision } of due) {
				if (decision.status !== 'due') continue;
				try {
					this.rendered.set(prospect.index, { step: decision.step, email: this.render(prospect, decision.step) });
				} catch (error) {
					results.set(prospect.index, this.failed(prospect, asSequenceError(error), decision.step));
					if (this.request.failFast) return [...results.values()];
				}
			}
			const stopped = await this.sendAll(
				due.map((d) => d.prospect).filter((p) => !results.has(p.index)),
				results,
			);
			if (stopped) return [...results.values()];
			return prospects.map((p) => results.get(p.index) as ProspectResult);
		} finally {
			await this.flushConfirms();
			await this.close();
		}
	}

	/** Connects, finds the folders, reads Sent and the inbound folders once. */
	private async openLedger(): Promise<void> {
		const { settings, message, operation } = this.request;
		const secrets = secretsFor(settings.user, settings.password);
		const connect = async () => {
			const client = createImapClient(settings);
			client.on('error', () => undefined); // surfaced through the failing command instead
			try {
				await client.connect();
			} catch (error) {
				throw explainConnectionError(error, { service: 'IMAP', endpoint: settings.imap, secrets });
			}
			return client;
		};
		// the sessions log in side by side; every one that opened is closed by close(), even if another failed
		const opened = await Promise.allSettled([connect(), connect(), ...(operation === 'send' ? [connect()] : [])]);
		[this.sentClient, this.inboxClient, this.confirmClient] = opened.map((o) => (o.status === 'fulfilled' ? o.value : undefined));
		const refused = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
		if (refused) throw refused.reason;
		const sentClient = this.sentClient as ImapFlow;
		const inboxClient = this.inboxClient as ImapFlow;
		this.sentPath = await findSentFolder(sentClient);
		const folders = ['INBOX'];
		if (message.checkJunk) {
			const junk = await findJunkFolder(inboxClient);
			if (junk) folders.push(junk);
		}
		await Promise.all([
			sentClient.mailboxOpen(this.sentPath, { readOnly: operation === 'preview' }),
			this.confirmClient?.mailboxOpen(this.sentPath),
		]);
		this.reader = new LedgerReader(sentClient, inboxClient, folders);
		this.sentCopies = await this.reader.sentCopies(this.seqHash);
		if (operation === 'send' && !message.keepOwnSentCopy) await this.pruneOwnCopies();
		if (this.sentCopies.length > 0) {
			const earliest = new Date(Math.min(...this.sentCopies.map((c) => c.date.getTime())));
			this.inbound = await this.reader.inbound(this.seqHash, this.addresses, earliest);
		} else if (operation === 'send') {
			await this.reader.watchFromNow();
		}
		const dayStart = startOfDay(this.env.now(), this.request.options.window.timeZone).toJSDate();
		this.sentToday = await this.reader.countSentSince(dayStart);
		this.rebuildLedger();
	}

	/**
	 * Where the provider files SMTP mail into Sent itself, our confirmed claim copy is a duplicate once the
	 * provider's copy is there: delete ours (only ours, recognised by its keywords).
	 */
	private async pruneOwnCopies(): Promise<void> {
		const byId = new Map<string, SentCopy[]>();
		for (const copy of this.sentCopies) byId.set(copy.messageId, [...(byId.get(copy.messageId) ?? []), copy]);
		const redundant: number[] = [];
		for (const copies of byId.values()) {
			const providers = copies.filter((c) => !c.keywords.includes(CLAIM_KEYWORD));
			if (providers.length === 0) continue;
			for (const c of copies) if (c.keywords.includes(CLAIM_KEYWORD) && c.keywords.includes(SENT_KEYWORD)) redundant.push(c.uid);
		}
		if (redundant.length === 0 || !this.sentClient) return;
		await this.sentClient.messageDelete(redundant.join(','), { uid: true });
		const gone = new Set(redundant);
		this.sentCopies = this.sentCopies.filter((c) => !gone.has(c.uid));
	}

	/** Full reconstruction from every fact; after the first read and when new inbound mail arrives. */
	private rebuildLedger(): void {
		const { sequenceKey, prospects, options } = this.request;
		const firstSentAt = new Map<string, Date>();
		for (const copy of this.sentCopies) {
			for (const to of copy.to) {
				const known = firstSentAt.get(to);
				if (!known || copy.date < known) firstSentAt.set(to, copy.date);
			}
		}
		this.copiesById.clear();
		this.copiesByProspect.clear();
		for (const copy of this.sentCopies) this.indexCopy(copy);
		this.inboundFacts = toInboundFacts(this.inbound, sequenceKey, firstSentAt);
		this.updated.clear();
		this.ledger = buildLedger(
			prospects.map((p) => ({ sequenceKey, address: p.address.address })),
			toSentFacts(this.sentCopies),
			this.inboundFacts,
			{ autoReplyPauseDays: options.autoReplyPauseDays },
		);
	}

	private indexCopy(copy: SentCopy): void {
		const byId = this.copiesById.get(copy.messageId);
		if (byId) byId.push(copy);
		else this.copiesById.set(copy.messageId, [copy]);
		const key = `${copy.ref.sequenceHash}.${copy.ref.prospectHash}`;
		const byProspect = this.copiesByProspect.get(key);
		if (byProspect) byProspect.push(copy);
		else this.copiesByProspect.set(key, [copy]);
	}

	/**
	 * Records a copy this run put in Sent and reconstructs only its prospect: the same rules as the full
	 * rebuild (core `prospectState`), over that prospect's copies and the inbound facts of the last rebuild.
	 * Inbound facts attributed by address depend on the first send's date, but only for mail that arrives
	 * after it — which the re-check brings in with a full rebuild.
	 */
	private addSentCopy(prospect: RunProspect, copy: SentCopy): void {
		this.sentCopies.push(copy);
		this.indexCopy(copy);
		const { sequenceKey, options } = this.request;
		const key = this.keyOf(prospect);
		this.updated.set(
			key,
			prospectState({ sequenceKey, address: prospect.address.address }, toSentFacts(this.copiesByProspect.get(key) ?? []), this.inboundFacts, {
				autoReplyPauseDays: options.autoReplyPauseDays,
			}),
		);
	}

	private keyOf(prospect: RunProspect): string {
		let key = this.keys.get(prospect.index);
		if (key === undefined) this.keys.set(prospect.index, (key = ledgerKey(this.request.sequenceKey, prospect.address.address)));
		return key;
	}

	/** The prospect's state: the last rebuild's, or newer if this run sent to it since. */
	private stateOf(prospect: RunProspect): ProspectState {
		const ledger = this.ledger as Ledger;
		const key = this.keyOf(prospect);
		return this.updated.get(key) ?? ledger.states.get(key) ?? ledger.get(this.request.sequenceKey, prospect.address.address);
	}

	private limits(): LimitsState {
		const { options } = this.request;
		return {
			sentToday: this.sentToday,
			dailyLimit: options.dailyLimit,
			sentThisRun: this.sentThisRun,
			maxPerRun: options.maxPerRun,
			runDeadline: new Date(this.startedAt.getTime() + options.maxRunMinutes * 60_000),
		};
	}

	private decideFor(prospect: RunProspect, now: Date): Decision {
		const { steps, options } = this.request;
		const state = this.stateOf(prospect);
		return decide({
			state,
			prospect: { stop: prospect.stop, replied: prospect.replied, timeZone: prospect.timeZone },
			steps,
			stopRules: options.stopRules,
			now,
			window: options.window,
			limits: this.limits(),
		});
	}

	private history(prospect: RunProspect): ProspectResult['history'] {
		const state = this.stateOf(prospect);
		const now = this.env.now().getTime();
		return state.steps.map((s) => {
			const copies = this.copiesById.get(s.messageId) ?? [];
			const unconfirmed =
				copies.length > 0 &&
				copies.every((c) => c.keywords.includes(CLAIM_KEYWORD) && !c.keywords.includes(SENT_KEYWORD)) &&
				copies.every((c) => now - c.date.getTime() > UNCONFIRMED_AFTER_MS);
			return { step: s.step, messageId: s.messageId, sentAt: iso(s.sentAt) as string, ...(unconfirmed ? { unconfirmed } : {}) };
		});
	}

	private base(prospect: RunProspect): ProspectResult {
		const history = this.history(prospect);
		return {
			index: prospect.index,
			email: prospect.address.address,
			sequenceKey: this.request.sequenceKey,
			status: 'failed',
			reason: '',
			history,
			...(history[0] ? { threadMessageId: history[0].messageId } : {}),
		};
	}

	private failed(prospect: RunProspect, error: SequenceError, step?: number): ProspectResult {
		const base = this.ledger ? this.base(prospect) : { index: prospect.index, email: prospect.address.address, sequenceKey: this.request.sequenceKey, history: [] };
		return { ...base, status: 'failed', reason: error.message, error, ...(step ? { step } : {}) } as ProspectResult;
	}

	private fromDecision(prospect: RunProspect, decision: Decision): ProspectResult {
		const result: ProspectResult = { ...this.base(prospect), status: decision.status as ResultStatus, reason: decision.reason };
		switch (decision.status) {
			case 'stopped':
				result.stopReason = decision.stopReason;
				if (decision.nextStepAt) result.nextStepAt = iso(decision.nextStepAt);
				break;
			case 'completed':
				result.step = decision.lastStep;
				break;
			case 'runLimitReached':
				result.step = decision.step;
				break;
			case 'due':
				result.step = decision.step;
				break;
			default:
				result.step = decision.step;
				result.nextStepAt = iso(decision.nextStepAt);
		}
		return result;
	}

	/** Subject of step 1 as actually sent: follow-ups answer what the prospect received. */
	private threadSubject(prospect: RunProspect): string | undefined {
		const first = this.stateOf(prospect).steps.find((s) => s.step === 1);
		return first ? this.copiesById.get(first.messageId)?.[0]?.subject : undefined;
	}

	private preview(prospect: RunProspect, decision: Decision, now: Date): ProspectResult {
		const result = this.fromDecision(prospect, decision);
		if (decision.status === 'stopped' && decision.stopReason !== 'autoReplyPause') return result;
		if (decision.status === 'completed') return result;
		const { sequenceKey, steps, options } = this.request;
		const state = this.stateOf(prospect);
		const step = 'step' in decision ? decision.step : state.lastStep + 1;
		try {
			const rendered = this.render(prospect, step);
			const schedule = planRemaining(state, steps, now, options.window, {
				prospectTimeZone: prospect.timeZone,
				notBefore: decision.status === 'stopped' ? decision.nextStepAt : undefined,
			}).map((p) => ({ step: p.step, at: iso(p.at) as string }));
			return {
				...result,
				step,
				messageId: sequenceMessageId(sequenceKey, prospect.address.address, step, this.request.message.messageIdDomain),
				nextStepAt: schedule[0]?.at ?? result.nextStepAt,
				preview: { ...rendered, schedule },
			};
		} catch (error) {
			return this.failed(prospect, asSequenceError(error), step);
		}
	}

	private render(prospect: RunProspect, step: number): RenderedStep {
		const rendered = this.request.render(prospect.index, step, this.threadSubject(prospect));
		const footer = this.request.message.footer;
		if (!footer) return rendered;
		return {
			...rendered,
			text: `${rendered.text}\n\n${footer}`,
			...(rendered.html !== undefined ? { html: `${rendered.html}<p>${escapeHtml(footer)}</p>` } : {}),
		};
	}

	/**
	 * Sends the due prospects in order; true when `failFast` stopped the run. Per step: pacing wait (after
	 * the previous send), decide, claim, re-check the inbox, decide again, SMTP, confirm. Without a pacing
	 * wait, step n+1's claim and re-check run while step n's SMTP transaction is in flight — except when
	 * both are the same prospect or step n may use up a limit, where n is awaited first. Whatever step n's
	 * outcome, step n+1's claim is released unless n+1 is still due once n is settled.
	 */
	private async sendAll(due: RunProspect[], results: Map<number, ProspectResult>): Promise<boolean> {
		const { options, failFast } = this.request;
		let inFlight: InFlight | undefined;
		const settle = async (): Promise<boolean> => {
			if (!inFlight) return false;
			const result = await inFlight.done;
			inFlight = undefined;
			results.set(result.index, result);
			return result.status === 'failed' && failFast === true;
		};
		for (const prospect of due) {
			const wait = inFlight || this.lastSendAt !== undefined ? pacingDelayMs(options.pacingMinSeconds, options.pacingMaxSeconds, this.env.random) : 0;
			if (inFlight && (wait > 0 || inFlight.key === this.keyOf(prospect) || this.lastOfALimit())) {
				if (await settle()) return true;
			}
			if (this.blocked) {
				results.set(prospect.index, this.failed(prospect, this.blocked.error));
				continue;
			}
			if (wait > 0 && this.lastSendAt !== undefined) {
				const deadline = this.startedAt.getTime() + options.maxRunMinutes * 60_000;
				if (this.env.now().getTime() + wait >= deadline) {
					results.set(prospect.index, { ...this.base(prospect), status: 'runLimitReached', reason: 'Maximum run duration reached before the next pacing pause ended' });
					continue;
				}
				await this.env.sleep(wait);
			}
			const claimed = await this.claimDue(prospect);
			if (await settle()) {
				if ('claim' in claimed) await this.release(claimed);
				return true;
			}
			if (!('claim' in claimed)) {
				results.set(prospect.index, claimed);
				if (claimed.status === 'failed' && failFast === true) return true;
				continue;
			}
			const held = this.heldBack(claimed);
			if (held) {
				await this.release(claimed);
				results.set(prospect.index, held);
				if (held.status === 'failed' && failFast === true) return true;
				continue;
			}
			inFlight = { key: this.keyOf(prospect), done: this.transmit(claimed) };
		}
		return settle();
	}

	/** Whether the send in flight, if accepted, may use up the run's or the day's limit. */
	private lastOfALimit(): boolean {
		const { options } = this.request;
		return this.sentThisRun + 1 >= options.maxPerRun || this.sentToday + 1 >= options.dailyLimit;
	}

	/**
	 * Decides, renders, composes and claims the prospect's due step while re-checking the inbox, then
	 * decides again: a reply that arrived before the re-check stops the send and releases the claim.
	 */
	private async claimDue(prospect: RunProspect): Promise<Claimed | ProspectResult> {
		const now = this.env.now();
		const decision = this.decideFor(prospect, now);
		if (decision.status !== 'due') return this.fromDecision(prospect, decision);
		const { step } = decision;
		const { settings, sequenceKey, steps, message } = this.request;
		const state = this.stateOf(prospect);
		let rendered: RenderedStep;
		let raw: Buffer;
		const messageId = sequenceMessageId(sequenceKey, prospect.address.address, step, message.messageIdDomain);
		try {
			const early = this.rendered.get(prospect.index);
			rendered = early && early.step === step ? early.email : this.render(prospect, step);
			const thread = step > 1 && steps[step - 1].replyInThread ? threadHeaders(state.steps.map((s) => s.messageId)) : {};
			raw = await composeRaw({
				from: formatMailbox(message.fromName, settings.email),
				to: formatMailbox(prospect.name, prospect.address.address),
				replyTo: message.replyTo,
				subject: rendered.subject,
				text: rendered.text,
				html: rendered.html,
				messageId,
				date: now,
				...thread,
				listUnsubscribe: { mailto: message.unsubscribeMailto, url: message.unsubscribeUrl },
			});
		} catch (error) {
			return this.failed(prospect, asSequenceError(error), step);
		}
		// the claim (Sent connection) and the inbox re-check (inbox connection) run side by side
		const [claiming, checking] = await Promise.allSettled([
			claimStep(this.sentClient as ImapFlow, this.sentPath, raw, messageId, now),
			(this.reader as LedgerReader).arrivedSince(this.seqHash, this.addresses),
		]);
		if (claiming.status === 'rejected') return this.failed(prospect, asSequenceError(claiming.reason), step);
		if (!claiming.value.won) {
			return {
				...this.base(prospect),
				status: 'notDue',
				step,
				reason: `Step ${step} was sent by another execution at the same time; not sent again`,
			};
		}
		const firstId = state.steps.find((s) => s.step === 1)?.messageId;
		const claimed: Claimed = {
			prospect,
			step,
			now,
			raw,
			messageId,
			subject: rendered.subject,
			claim: claiming.value.claim,
			threadMessageId: step === 1 ? messageId : (firstId ?? messageId),
		};
		if (checking.status === 'rejected') {
			await this.release(claimed);
			return this.failed(prospect, asSequenceError(checking.reason));
		}
		if (checking.value.length > 0) {
			this.inbound.push(...checking.value);
			this.rebuildLedger();
		}
		const again = this.decideFor(prospect, now);
		if (again.status !== 'due' || again.step !== step) {
			await this.release(claimed);
			return this.fromDecision(prospect, again);
		}
		return claimed;
	}

	/** Why a claimed step must not go out after the previous send settled (mailbox blocked, limit used up), if it must not. */
	private heldBack(claimed: Claimed): ProspectResult | undefined {
		const { prospect, step, now } = claimed;
		if (this.blocked) return this.failed(prospect, this.blocked.error, step);
		const decision = this.decideFor(prospect, now);
		if (decision.status !== 'due' || decision.step !== step) return this.fromDecision(prospect, decision);
		return undefined;
	}

	/** Deletes a claim whose step is not sent; if that fails, the next run counts the step as sent (never twice). */
	private async release(claimed: Claimed): Promise<void> {
		await releaseClaim(this.sentClient as ImapFlow, claimed.claim).catch(() => undefined);
	}

	/** SMTP for a claimed step; on acceptance records it, on refusal releases the claim. Never rejects. */
	private async transmit(claimed: Claimed): Promise<ProspectResult> {
		const { settings, sequenceKey } = this.request;
		const { prospect, step, messageId, now } = claimed;
		let accepted;
		try {
			this.smtp ??= createSmtpPool(settings);
			accepted = await sendRaw(this.smtp, settings, { from: settings.email, to: prospect.address.address }, claimed.raw);
		} catch (error) {
			const failure = asSequenceError(error);
			await this.release(claimed);
			if (failure.code === 'SMTP_POLICY' || !(failure instanceof SequenceError && 'responseCode' in failure)) {
				this.blocked = {
					error: new SequenceError(failure.code, `Not sent: sending from ${settings.email} stopped for this run. ${failure.message}`, {
						temporary: failure.temporary,
						hint: failure.hint,
					}),
				};
			}
			return this.failed(prospect, failure, step);
		}
		this.sentThisRun++;
		this.sentToday++;
		this.lastSendAt = this.env.now().getTime();
		this.confirmLater(claimed.claim.uid);
		this.addSentCopy(prospect, {
			uid: claimed.claim.uid,
			messageId,
			ref: { sequenceHash: this.seqHash, step, prospectHash: prospectHash(sequenceKey, prospect.address.address) },
			date: now,
			to: [ledgerAddress(prospect.address.address)],
			subject: claimed.subject,
			keywords: [CLAIM_KEYWORD, SENT_KEYWORD],
		});
		const after = this.decideFor(prospect, this.env.now());
		return {
			...this.base(prospect),
			status: 'sent',
			reason: `Step ${step} sent`,
			step,
			messageId,
			threadMessageId: claimed.threadMessageId,
			sentAt: now.toISOString(),
			smtpResponse: accepted.response,
			...('nextStepAt' in after && after.nextStepAt ? { nextStepAt: iso(after.nextStepAt) } : {}),
		};
	}

	/** Queues `$SeqSent` for an accepted claim (see {@link CONFIRM_BATCH}). */
	private confirmLater(uid: number): void {
		this.confirmQueue.push(uid);
		if (this.confirmQueue.length >= CONFIRM_BATCH) void this.flushConfirms();
		else this.confirmTimer ??= setTimeout(() => void this.flushConfirms(), CONFIRM_DELAY_MS);
	}

	/** Stores `$SeqSent` on every queued claim in one command; resolves when all earlier ones are stored too. */
	private flushConfirms(): Promise<void> {
		clearTimeout(this.confirmTimer);
		this.confirmTimer = undefined;
		const uids = this.confirmQueue;
		this.confirmQueue = [];
		if (uids.length > 0) {
			const client = (this.confirmClient ?? this.sentClient) as ImapFlow;
			// the messages went out; an unconfirmed claim still counts as sent on the next run
			this.confirming = this.confirming.then(() => confirmClaims(client, uids).catch(() => undefined));
		}
		return this.confirming;
	}

	private async close(): Promise<void> {
		this.smtp?.close();
		for (const client of [this.sentClient, this.inboxClient, this.confirmClient]) {
			if (!client) continue;
			if (client.usable) await client.logout().catch(() => undefined);
			else client.close();
		}
	}
}

function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}
