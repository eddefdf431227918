/**
 * One run of the SMTP Sequence node: read the ledger from the mailbox, decide every prospect, then send
 * the due steps one at a time — pacing wait, re-check the inbox, claim in Sent, SMTP, confirm. Clock,
 * sleep and randomness are injected; the decisions themselves are the pure core's.
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
import { buildLedger, type InboundFact, type Ledger, type SentFact } from '../core/sequence/ledger';
import type { SequenceOptions } from '../core/sequence/options';
import { pacingDelayMs } from '../core/sequence/pacing';
import type { RenderedStep } from '../core/sequence/render';
import { planRemaining, startOfDay, type StepTiming } from '../core/sequence/schedule';
import { composeRaw } from './compose';
import { explainConnectionError, secretsFor } from './connection-error';
import { createImapClient } from './imap-client';
import { LedgerReader, type InboundMessage, type SentCopy } from './ledger-reader';
import { findJunkFolder, findSentFolder } from './mail-folders';
import { CLAIM_KEYWORD, SENT_KEYWORD, claimStep, confirmClaim, releaseClaim } from './sent-claim';
import { createSmtpPool } from './smtp-client';
import { sendRaw } from './smtp-send';

/**
 * A claim older than this without `$SeqSent` belongs to a run that died between APPEND and the SMTP
 * answer: reported as `unconfirmed`. Longer than any SMTP exchange (connection + DATA timeouts).
 */
export const UNCONFIRMED_AFTER_MS = 10 * 60_000;

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
	private readonly startedAt: Date;
	private sentClient?: ImapFlow;
	private inboxClient?: ImapFlow;
	private smtp?: Transporter;
	private reader?: LedgerReader;
	private sentPath = '';
	private sentCopies: SentCopy[] = [];
	private inbound: InboundMessage[] = [];
	private ledger?: Ledger;
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
			for (const { prospect } of due) {
				if (results.has(prospect.index)) continue;
				const result = await this.sendDue(prospect);
				results.set(prospect.index, result);
				if (result.status === 'failed' && this.request.failFast) return [...results.values()];
			}
			return prospects.map((p) => results.get(p.index) as ProspectResult);
		} finally {
			await this.close();
		}
	}

	/** Connects, finds the folders, reads Sent and the inbound folders once. */
	private async openLedger(): Promise<void> {
		const { settings, message, operation, prospects } = this.request;
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
		this.sentClient = await connect();
		this.inboxClient = await connect();
		this.sentPath = await findSentFolder(this.sentClient);
		const folders = ['INBOX'];
		if (message.checkJunk) {
			const junk = await findJunkFolder(this.inboxClient);
			if (junk) folders.push(junk);
		}
		await this.sentClient.mailboxOpen(this.sentPath, { readOnly: operation === 'preview' });
		this.reader = new LedgerReader(this.sentClient, this.inboxClient, folders);
		this.sentCopies = await this.reader.sentCopies(this.seqHash);
		if (operation === 'send' && !message.keepOwnSentCopy) await this.pruneOwnCopies();
		if (this.sentCopies.length > 0) {
			const earliest = new Date(Math.min(...this.sentCopies.map((c) => c.date.getTime())));
			this.inbound = await this.reader.inbound(this.seqHash, new Set(prospects.map((p) => ledgerAddress(p.address.address))), earliest);
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
		this.sentCopies = this.sentCopies.filter((c) => !redundant.includes(c.uid));
	}

	private rebuildLedger(): void {
		const { sequenceKey, prospects, options } = this.request;
		const firstSentAt = new Map<string, Date>();
		for (const copy of this.sentCopies) {
			for (const to of copy.to) {
				const known = firstSentAt.get(to);
				if (!known || copy.date < known) firstSentAt.set(to, copy.date);
			}
		}
		this.ledger = buildLedger(
			prospects.map((p) => ({ sequenceKey, address: p.address.address })),
			toSentFacts(this.sentCopies),
			toInboundFacts(this.inbound, sequenceKey, firstSentAt),
			{ autoReplyPauseDays: options.autoReplyPauseDays },
		);
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
		const { sequenceKey, steps, options } = this.request;
		const state = (this.ledger as Ledger).get(sequenceKey, prospect.address.address);
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
		const state = (this.ledger as Ledger).get(this.request.sequenceKey, prospect.address.address);
		const now = this.env.now().getTime();
		return state.steps.map((s) => {
			const copies = this.sentCopies.filter((c) => c.messageId === s.messageId);
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
		const state = (this.ledger as Ledger).get(this.request.sequenceKey, prospect.address.address);
		const first = state.steps.find((s) => s.step === 1);
		return first ? this.sentCopies.find((c) => c.messageId === first.messageId)?.subject : undefined;
	}

	private preview(prospect: RunProspect, decision: Decision, now: Date): ProspectResult {
		const result = this.fromDecision(prospect, decision);
		if (decision.status === 'stopped' && decision.stopReason !== 'autoReplyPause') return result;
		if (decision.status === 'completed') return result;
		const { sequenceKey, steps, options } = this.request;
		const state = (this.ledger as Ledger).get(sequenceKey, prospect.address.address);
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

	/** Pacing wait, inbox re-check, decide again, claim, SMTP, confirm. */
	private async sendDue(prospect: RunProspect): Promise<ProspectResult> {
		if (this.blocked) return this.failed(prospect, this.blocked.error);
		const { options } = this.request;
		if (this.lastSendAt !== undefined) {
			const wait = pacingDelayMs(options.pacingMinSeconds, options.pacingMaxSeconds, this.env.random);
			const deadline = this.startedAt.getTime() + options.maxRunMinutes * 60_000;
			if (this.env.now().getTime() + wait >= deadline) {
				return { ...this.base(prospect), status: 'runLimitReached', reason: 'Maximum run duration reached before the next pacing pause ended' };
			}
			await this.env.sleep(wait);
		}
		try {
			const fresh = await (this.reader as LedgerReader).arrivedSince(this.seqHash, new Set([ledgerAddress(prospect.address.address)]));
			if (fresh.length > 0) {
				this.inbound.push(...fresh);
				this.rebuildLedger();
			}
		} catch (error) {
			return this.failed(prospect, asSequenceError(error));
		}
		const now = this.env.now();
		const decision = this.decideFor(prospect, now);
		if (decision.status !== 'due') return this.fromDecision(prospect, decision);
		return this.sendStep(prospect, decision.step, now);
	}

	private async sendStep(prospect: RunProspect, step: number, now: Date): Promise<ProspectResult> {
		const { settings, sequenceKey, steps, message } = this.request;
		const state = (this.ledger as Ledger).get(sequenceKey, prospect.address.address);
		let rendered: RenderedStep;
		try {
			const early = this.rendered.get(prospect.index);
			rendered = early && early.step === step ? early.email : this.render(prospect, step);
		} catch (error) {
			return this.failed(prospect, asSequenceError(error), step);
		}
		const messageId = sequenceMessageId(sequenceKey, prospect.address.address, step, message.messageIdDomain);
		const thread = step > 1 && steps[step - 1].replyInThread ? threadHeaders(state.steps.map((s) => s.messageId)) : {};
		const raw = await composeRaw({
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
		const sentClient = this.sentClient as ImapFlow;
		let claim;
		try {
			const outcome = await claimStep(sentClient, this.sentPath, raw, messageId, now);
			if (!outcome.won) {
				return {
					...this.base(prospect),
					status: 'notDue',
					step,
					reason: `Step ${step} was sent by another execution at the same time; not sent again`,
				};
			}
			claim = outcome.claim;
		} catch (error) {
			return this.failed(prospect, asSequenceError(error), step);
		}
		try {
			this.smtp ??= createSmtpPool(settings);
			const accepted = await sendRaw(this.smtp, settings, { from: settings.email, to: prospect.address.address }, raw);
			this.sentThisRun++;
			this.sentToday++;
			this.lastSendAt = this.env.now().getTime();
			try {
				await confirmClaim(sentClient, claim);
				this.sentCopies.push({ uid: claim.uid, messageId, ref: { sequenceHash: this.seqHash, step, prospectHash: prospectHash(sequenceKey, prospect.address.address) }, date: now, to: [ledgerAddress(prospect.address.address)], subject: rendered.subject, keywords: [CLAIM_KEYWORD, SENT_KEYWORD] });
			} catch {
				// the message went out; an unconfirmed claim still counts as sent on the next run
			}
			this.rebuildLedger();
			const after = this.decideFor(prospect, this.env.now());
			return {
				...this.base(prospect),
				status: 'sent',
				reason: `Step ${step} sent`,
				step,
				messageId,
				threadMessageId: step === 1 ? messageId : (state.steps.find((s) => s.step === 1)?.messageId ?? messageId),
				sentAt: now.toISOString(),
				smtpResponse: accepted.response,
				...('nextStepAt' in after && after.nextStepAt ? { nextStepAt: iso(after.nextStepAt) } : {}),
			};
		} catch (error) {
			const failure = asSequenceError(error);
			await releaseClaim(sentClient, claim).catch(() => undefined);
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
	}

	private async close(): Promise<void> {
		this.smtp?.close();
		for (const client of [this.sentClient, this.inboxClient]) {
			if (!client) continue;
			if (client.usable) await client.logout().catch(() => undefined);
			else client.close();
		}
	}
}

function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}
