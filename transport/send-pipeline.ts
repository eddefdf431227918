/**
 * Sends a run's due steps one at a time: pacing wait, decide, claim in Sent while re-checking the inbox,
 * decide again, SMTP, confirm. The argument for the order is in docs/design.md ("Never twice").
 *
 * With no pacing wait, the next step's claim and re-check run while the previous step's SMTP transaction
 * is in flight (IMAP and SMTP are separate connections), so the ledger costs little on top of raw
 * sending. Each step is still claimed before its own SMTP begins and re-checked after its claim; a claim
 * whose step is not sent after all (the previous send blocked the mailbox or used the last of a limit)
 * is released.
 */
import { SequenceError, SmtpRejection, asSequenceError } from '../core/errors';
import { formatMailbox } from '../core/mail/address';
import { ledgerAddress, parseSequenceMessageId, prospectHash, variantName } from '../core/mail/message-id';
import { stepMessageId } from '../core/sequence/variants';
import { refusalReport } from '../core/mail/refusal-report';
import { threadHeaders } from '../core/mail/threading';
import { decide, type Decision, type LimitsState } from '../core/sequence/decide';
import { pacingDelayMs } from '../core/sequence/pacing';
import { startOfDay } from '../core/sequence/schedule';
import type { RenderedStep } from '../core/sequence/render';
import type { RunEnvironment, RunProspect, RunRequest } from '../core/sequence/run-request';
import { decisionResult, failedResult, isoString, type ProspectResult } from '../core/sequence/run-result';
import { composeRaw } from './compose';
import type { ConfirmQueue } from './confirm-queue';
import { DailyCount } from './daily-count';
import { commandError } from './imap-uids';
import type { LedgerView } from './ledger-view';
import type { MailboxSessions } from './mailbox-sessions';
import { claimStep, releaseClaim, type Claim } from './sent-claim';
import type { SmtpAccepted } from './smtp-send';
import { SmtpSession } from './smtp-session';

/** Renders a prospect's step as it goes out (templates, thread subject, footer). */
export type StepRenderer = (prospect: RunProspect, step: number) => RenderedStep;

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

/** The sending side of one run. */
export class SendPipeline {
	private smtp?: SmtpSession;
	private readonly dailyCount: DailyCount;
	private sentThisRun = 0;
	private lastSendAt?: number;
	/** Set when the mailbox stopped sending for the rest of the run (policy rejection or lost connection). */
	private blocked?: SequenceError;

	constructor(
		private readonly request: RunRequest,
		private readonly env: RunEnvironment,
		private readonly view: LedgerView,
		private readonly sessions: MailboxSessions,
		private readonly confirms: ConfirmQueue,
		private readonly render: StepRenderer,
		private readonly startedAt: Date,
		/** Our sends today, counted from Sent when the run began. */
		private sentToday: number,
		/** Due steps rendered before the first send (see `failFast`). */
		private readonly rendered: ReadonlyMap<number, { step: number; email: RenderedStep }>,
	) {
		this.dailyCount = new DailyCount(sessions.sent, sessions.sentPath, view.recentSent);
	}

	/** The prospect's decision now, with this run's limits. */
	decideFor(prospect: RunProspect, now: Date): Decision {
		const { steps, options } = this.request;
		return decide({
			state: this.view.stateOf(prospect),
			prospect: { stop: prospect.stop, replied: prospect.replied, timeZone: prospect.timeZone },
			steps,
			stopRules: options.stopRules,
			now,
			window: options.window,
			limits: this.limits(),
		});
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

	private base(prospect: RunProspect): ProspectResult {
		return this.view.base(prospect);
	}

	/**
	 * Sends the due prospects in order; true when `failFast` stopped the run. Per step: pacing wait (after
	 * the previous send), decide, claim, re-check the inbox, decide again, SMTP, confirm. Without a pacing
	 * wait, step n+1's claim and re-check run while step n's SMTP transaction is in flight — except when
	 * both are the same prospect or step n may use up a limit, where n is awaited first. Whatever step n's
	 * outcome, step n+1's claim is released unless n+1 is still due once n is settled.
	 */
	async sendAll(due: RunProspect[], results: Map<number, ProspectResult>): Promise<boolean> {
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
			if (this.cancelled(prospect, results)) continue;
			const wait = inFlight || this.lastSendAt !== undefined ? pacingDelayMs(options.pacingMinSeconds, options.pacingMaxSeconds, this.env.random) : 0;
			if (inFlight && (wait > 0 || inFlight.key === this.view.keyOf(prospect) || this.lastOfALimit())) {
				if (await settle()) return true;
			}
			if (this.blocked) {
				results.set(prospect.index, failedResult(this.base(prospect), this.blocked));
				continue;
			}
			if (wait > 0 && this.lastSendAt !== undefined) {
				const deadline = this.startedAt.getTime() + options.maxRunMinutes * 60_000;
				if (this.env.now().getTime() + wait >= deadline) {
					results.set(prospect.index, { ...this.base(prospect), status: 'runLimitReached', reason: 'Maximum run duration reached before the next pacing pause ended' });
					continue;
				}
				await this.env.sleep(wait);
				if (this.cancelled(prospect, results)) continue;
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
			if (this.env.cancel?.aborted) {
				await this.release(claimed);
				this.cancelled(prospect, results);
				continue;
			}
			const held = this.heldBack(claimed);
			if (held) {
				await this.release(claimed);
				results.set(prospect.index, held);
				if (held.status === 'failed' && failFast === true) return true;
				continue;
			}
			inFlight = { key: this.view.keyOf(prospect), done: this.transmit(claimed) };
		}
		return settle();
	}

	/** If the execution was stopped: records why the prospect gets nothing, and says so. */
	private cancelled(prospect: RunProspect, results: Map<number, ProspectResult>): boolean {
		if (!this.env.cancel?.aborted) return false;
		const stopped = new SequenceError('RUN_CANCELLED', 'Not sent: the execution was stopped before this step went out.', { hint: 'The next run sends it when it is due.' });
		results.set(prospect.index, failedResult(this.base(prospect), stopped));
		return true;
	}

	/** Opens the SMTP connection ahead of the first send (`SmtpSession.warmUp`). */
	warmUp(): void {
		void this.session().warmUp();
	}

	/** The run's SMTP session (one connection, opened at the first send or by `warmUp`). */
	private session(): SmtpSession {
		const { settings, tuning } = this.request;
		this.smtp ??= new SmtpSession(settings, tuning?.smtpSocketTimeoutMs ? { socketTimeoutMs: tuning.smtpSocketTimeoutMs } : {});
		return this.smtp;
	}

	/** Closes the SMTP connection (and one still opening). */
	async close(): Promise<void> {
		await this.smtp?.close();
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
		if (decision.status !== 'due') return decisionResult(this.base(prospect), decision);
		const { step } = decision;
		const { settings, sequenceKey, steps, message } = this.request;
		const state = this.view.stateOf(prospect);
		let rendered: RenderedStep;
		let raw: Buffer;
		const messageId = stepMessageId(sequenceKey, prospect.address.address, step, steps, message.messageIdDomain);
		try {
			const early = this.rendered.get(prospect.index);
			rendered = early && early.step === step ? early.email : this.render(prospect, step);
			const thread = step > 1 && steps[step - 1].replyInThread ? threadHeaders(state.steps.map((s) => s.messageId)) : {};
			raw = await composeRaw({
				from: formatMailbox(prospect.message.fromName, settings.email),
				to: formatMailbox(prospect.name, prospect.address.address),
				replyTo: prospect.message.replyTo,
				subject: rendered.subject,
				text: rendered.text,
				html: rendered.html,
				messageId,
				date: now,
				...thread,
				listUnsubscribe: { mailto: prospect.message.unsubscribeMailto, url: prospect.message.unsubscribeUrl },
			});
		} catch (error) {
			return failedResult(this.base(prospect), asSequenceError(error), step);
		}
		// the claim (Sent connection) and the inbox re-check (inbox connection) run side by side
		const [claiming, checking] = await Promise.allSettled([
			claimStep(this.sessions.sent, this.sessions.sentPath, raw, messageId, now, this.sessions.sentKeepsKeywords),
			this.view.recheck(),
		]);
		// whatever happens to the claim, what the re-check read counts for every prospect of the run (it
		// has moved past it)
		if (checking.status === 'fulfilled') this.view.addInbound(checking.value);
		if (claiming.status === 'rejected') {
			const failure = commandError(claiming.reason, `claiming step ${step}`, this.sessions.sentPath);
			// a connection that is gone claims nothing more: the rest of the run says so instead of trying
			if (failure.code === 'CONNECTION_CLOSED') this.block(failure, true);
			return failedResult(this.base(prospect), failure, step);
		}
		if (!claiming.value.won && claiming.value.existingUids.length === 0) {
			const vanished = new SequenceError('IMAP_COMMAND_FAILED', `The copy of step ${step} put in Sent as its claim disappeared before it was sent (another mail client or the provider removed it); not sent now.`, {
				hint: 'The next run tries again.',
			});
			return failedResult(this.base(prospect), vanished, step);
		}
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
			return failedResult(this.base(prospect), commandError(checking.reason, 'checking for new mail before the send'), step);
		}
		const again = this.decideFor(prospect, now);
		if (again.status !== 'due' || again.step !== step) {
			await this.release(claimed);
			return decisionResult(this.base(prospect), again);
		}
		return this.withinDailyLimit(claimed);
	}

	/**
	 * The daily limit across runs and workflows (`daily-count.ts`): the claim's rank among today's claims
	 * in Sent. Ranked above the limit → released, and this run sends nothing more today.
	 */
	private async withinDailyLimit(claimed: Claimed): Promise<Claimed | ProspectResult> {
		const { options } = this.request;
		let rank: number;
		try {
			// the claim's own Message-ID and Date are known: a count that searches Sent needs no FETCH of it
			const own = { messageId: claimed.messageId, date: new Date(Math.floor(claimed.now.getTime() / 1000) * 1000), to: [] };
			rank = await this.dailyCount.rankOf(claimed.claim.uid, startOfDay(claimed.now, options.window.timeZone).toJSDate(), options.dailyLimit, own);
		} catch (error) {
			await this.release(claimed);
			return failedResult(this.base(claimed.prospect), commandError(error, "counting today's sends", this.sessions.sentPath), claimed.step);
		}
		if (rank <= options.dailyLimit) return claimed;
		await this.release(claimed);
		// other runs used the rest of today's limit: every later decision of this run says so
		this.sentToday = Math.max(this.sentToday, options.dailyLimit);
		return decisionResult(this.base(claimed.prospect), this.decideFor(claimed.prospect, claimed.now));
	}

	/** Why a claimed step must not go out after the previous send settled (mailbox blocked, limit used up), if it must not. */
	private heldBack(claimed: Claimed): ProspectResult | undefined {
		const { prospect, step, now } = claimed;
		if (this.blocked) return failedResult(this.base(prospect), this.blocked, step);
		const decision = this.decideFor(prospect, now);
		if (decision.status !== 'due' || decision.step !== step) return decisionResult(this.base(prospect), decision);
		return undefined;
	}

	/** Deletes a claim whose step is not sent; if that fails, the next run counts the step as sent (never twice). */
	private async release(claimed: Claimed): Promise<void> {
		await releaseClaim(this.sessions.sent, claimed.claim).catch(() => undefined);
	}

	/**
	 * SMTP for a claimed step. Accepted → recorded as sent. A final 4xx/5xx reply, or a failure before the
	 * whole message was handed over → not sent: the claim is released. No answer after the whole message
	 * (`SMTP_UNCONFIRMED`) → the server may have it: the claim stays and the step counts as sent,
	 * `unconfirmed`. Never rejects.
	 */
	private async transmit(claimed: Claimed): Promise<ProspectResult> {
		const { settings } = this.request;
		const { prospect, step } = claimed;
		let accepted: SmtpAccepted;
		try {
			accepted = await this.session().send({ from: settings.email, to: prospect.address.address }, claimed.raw);
		} catch (error) {
			const failure = asSequenceError(error);
			if (failure.code === 'SMTP_UNCONFIRMED') {
				this.block(failure, true);
				return this.recordSent(claimed, { unconfirmed: failure });
			}
			if (failure instanceof SmtpRejection && refusesRecipient(failure)) return this.recordRefusal(claimed, failure);
			await this.release(claimed);
			if (failure.code === 'SMTP_POLICY' || !(failure instanceof SequenceError && 'responseCode' in failure)) this.block(failure, failure.temporary);
			return failedResult(this.base(prospect), failure, step);
		}
		this.confirms.add(claimed.claim.uid);
		return this.recordSent(claimed, { response: accepted.response });
	}

	/**
	 * The server refused this recipient for good (5xx at RCPT, not a policy refusal of the mailbox): the
	 * claim stays in Sent, so the step is never tried again, and a delivery-status report filed in INBOX
	 * records the bounce with the server's answer, so the stop rule "On Bounce" ends the sequence — in
	 * this run, the next runs, and for the IMAP Reply Trigger. If filing the report fails, the step still
	 * counts as tried (never twice) and the item says so.
	 */
	private async recordRefusal(claimed: Claimed, failure: SmtpRejection): Promise<ProspectResult> {
		const { settings } = this.request;
		const { prospect, step, messageId } = claimed;
		this.sentToday++;
		this.addToLedger(claimed, 'claim');
		const reportId = `<refused.${messageId.replace(/^<|>$/g, '').replace(/@.*$/, '')}@${settings.email.slice(settings.email.lastIndexOf('@') + 1)}>`;
		const report = refusalReport({
			sender: settings.email,
			recipient: prospect.address.address,
			step,
			response: failure.response,
			enhancedStatus: failure.enhancedStatus,
			smtpHost: settings.smtp.host,
			original: claimed.raw,
			messageId: reportId,
			date: this.env.now(),
		});
		let recorded = true;
		try {
			await this.view.recordRefusal(report, this.env.now());
		} catch (error) {
			recorded = false;
			this.env.log?.warn(`Could not file the bounce report for ${prospect.address.address} in INBOX: ${commandError(error, 'filing the bounce report', 'INBOX').message}`);
		}
		const decision = this.nextAfterSend(prospect);
		return {
			...(decision ? decisionResult(this.base(prospect), decision) : { ...this.base(prospect), status: 'failed' as const }),
			step,
			messageId,
			smtpResponse: failure.response,
			reason: `Step ${step} refused by the SMTP server for this recipient: ${failure.response}. ${
				recorded ? 'Recorded as a bounce in INBOX' : 'The bounce report could not be filed in INBOX'
			}; the step is not tried again.`,
			error: failure,
		};
	}

	/** Adds the claimed step's copy in Sent to this run's ledger view ('claim' while its outcome is unknown or refused). */
	private addToLedger(claimed: Claimed, mark: 'claim' | 'confirmed'): void {
		const { prospect, step, messageId, now } = claimed;
		this.view.addSentCopy(prospect, {
			uid: claimed.claim.uid,
			messageId,
			ref: parseSequenceMessageId(messageId) ?? { sequenceHash: this.view.seqHash, step, prospectHash: prospectHash(this.request.sequenceKey, prospect.address.address) },
			date: now,
			to: [ledgerAddress(prospect.address.address)],
			subject: claimed.subject,
			mark,
		});
	}

	/** Stops sending from this mailbox for the rest of the run; the remaining items say why. */
	private block(failure: SequenceError, temporary: boolean): void {
		this.blocked = new SequenceError(failure.code === 'SMTP_UNCONFIRMED' ? 'CONNECTION_CLOSED' : failure.code, `Not sent: sending from ${this.request.settings.email} stopped for this run. ${failure.message}`, {
			temporary,
			hint: failure.hint,
		});
	}

	/** Counts a step that went out (or may have) and adds it to the ledger view. */
	private recordSent(claimed: Claimed, outcome: { response: string } | { unconfirmed: SequenceError }): ProspectResult {
		const { prospect, step, messageId, now } = claimed;
		this.sentThisRun++;
		this.sentToday++;
		this.lastSendAt = this.env.now().getTime();
		const unconfirmed = 'unconfirmed' in outcome;
		this.addToLedger(claimed, unconfirmed ? 'claim' : 'confirmed');
		const after = this.nextAfterSend(prospect);
		return {
			...this.base(prospect),
			status: 'sent',
			reason: unconfirmed ? `Step ${step} counted as sent, unconfirmed: ${outcome.unconfirmed.message}` : `Step ${step} sent`,
			step,
			...variantField(messageId),
			messageId,
			threadMessageId: claimed.threadMessageId,
			sentAt: now.toISOString(),
			...(unconfirmed ? { unconfirmed: true } : { smtpResponse: outcome.response }),
			...(after && 'nextStepAt' in after && after.nextStepAt ? { nextStepAt: isoString(after.nextStepAt) } : {}),
		};
	}

	/** The prospect's decision right after a send (for `nextStepAt`); undefined if it cannot be made. */
	private nextAfterSend(prospect: RunProspect): Decision | undefined {
		try {
			return this.decideFor(prospect, this.env.now());
		} catch {
			// the step went out: a schedule that cannot be computed must not turn it into a failure
			return undefined;
		}
	}
}

/**
 * A permanent refusal of the recipient itself: a 5xx answer to RCPT TO that is not a policy refusal of
 * the sender (5.7.x, which blocks the mailbox for the run instead).
 */
function refusesRecipient(failure: SmtpRejection): boolean {
	return failure.code === 'SMTP_PERMANENT' && failure.responseCode >= 500 && /^RCPT\b/i.test(failure.command ?? '');
}

/** `{ variant: 'B' }` for a Message-ID with a variant letter, `{}` otherwise. */
export function variantField(messageId: string): { variant?: string } {
	const variant = variantName(parseSequenceMessageId(messageId)?.variant);
	return variant ? { variant } : {};
}
