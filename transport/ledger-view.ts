/**
 * The run's view of the ledger: what was read from the mailbox (our copies in Sent, classified inbound
 * mail), kept in step with what the run itself does (copies it sends, mail the re-check brings in), and
 * each prospect's state reconstructed from it by the core (`buildLedger`, `prospectState`).
 */
import { classify } from '../core/classify/classify';
import { parseMessage } from '../core/classify/parse';
import { findSequenceRefs } from '../core/classify/refs';
import { ledgerAddress, sequenceHash } from '../core/mail/message-id';
import { compactUidSet } from '../core/mail/uid-set';
import { buildLedger, countSentSince, ledgerKey, prospectState, type InboundFact, type Ledger, type ProspectState } from '../core/sequence/ledger';
import {
	firstSentAtByAddress,
	stepHistory,
	toInboundFacts,
	toSentFacts,
	type InboundMessage,
	type SentCopy,
} from '../core/sequence/mailbox-facts';
import type { RunProspect, RunRequest } from '../core/sequence/run-request';
import { baseResult, type HistoryEntry, type ProspectResult } from '../core/sequence/run-result';
import { runRelevance, type RunRelevance } from '../core/sequence/run-relevance';
import { startOfDay } from '../core/sequence/schedule';
import { commandError } from './imap-uids';
import { accountKey, LedgerReader } from './ledger-reader';
import type { MailboxSessions } from './mailbox-sessions';

/** The ledger of one run, read once and kept current. */
export class LedgerView {
	readonly seqHash: string;
	/**
	 * The run's prospects as mailbox facts are matched against them: inbound mail is matched against all
	 * of them, also in the re-check before one prospect's send (it advances past what it reads, for everyone).
	 */
	private readonly relevance: RunRelevance;
	readonly reader: LedgerReader;
	private sentCopies: SentCopy[] = [];
	/** Our copies (any sequence) dated from the day before today, as `load` read them: the daily count's start. */
	recentSent: readonly SentCopy[] = [];
	/** `sentCopies` by Message-ID and by ledger key, kept in step with it. */
	private readonly copiesById = new Map<string, SentCopy[]>();
	private readonly copiesByProspect = new Map<string, SentCopy[]>();
	private readonly inbound: InboundMessage[] = [];
	/** `inbound` as ledger facts, as of the last full rebuild. */
	private inboundFacts: InboundFact[] = [];
	private ledger?: Ledger;
	/** States of prospects sent to since the last full rebuild (a send changes only its own prospect). */
	private readonly updated = new Map<string, ProspectState>();
	/** Ledger key of each prospect (two SHA-256 each: computed once). */
	private readonly keys = new Map<number, string>();

	constructor(
		private readonly request: Pick<RunRequest, 'sequenceKey' | 'prospects' | 'options' | 'settings'>,
		private readonly sessions: MailboxSessions,
	) {
		this.seqHash = sequenceHash(request.sequenceKey);
		this.relevance = runRelevance(request.sequenceKey, request.prospects.map((p) => p.address.address));
		const { imap, user } = request.settings;
		this.reader = new LedgerReader(sessions, sessions.sentPath, sessions.inboundFolders, accountKey(imap.host, imap.port, user));
	}

	/**
	 * Reads Sent and the inbound folders once and builds every prospect's state. `send` also prunes our
	 * copies the provider duplicated (unless `keepOwnSentCopy`) and starts the re-check at the inbound
	 * folders' end when nothing was sent yet. Returns today's count of our sends (the daily limit's).
	 */
	async load(operation: 'send' | 'preview', keepOwnSentCopy: boolean, now: Date): Promise<number> {
		const dayStart = startOfDay(now, this.request.options.window.timeZone);
		const sent = await this.reader.readSent(this.relevance, dayStart.toJSDate());
		this.sentCopies = sent.copies;
		if (operation === 'send' && !keepOwnSentCopy) await this.pruneOwnCopies();
		if (sent.firstSentAt) {
			// from the sequence's first send, not only this run's prospects': a colleague's reply to an
			// earlier prospect of the same company stops them too (companyReplied)
			this.inbound.push(...(await this.reader.inbound(this.relevance, sent.firstSentAt)));
		} else if (operation === 'send') {
			await this.reader.watchFromNow();
		}
		this.recentSent = sent.recent;
		const sentToday = countSentSince(toSentFacts(sent.recent), dayStart);
		this.rebuild();
		return sentToday;
	}

	/** Inbound mail that arrived since the last look (add it with {@link addInbound}). */
	recheck(): Promise<InboundMessage[]> {
		return this.reader.arrivedSince(this.relevance);
	}

	/** Adds inbound mail the re-check found and rebuilds the ledger. */
	addInbound(messages: readonly InboundMessage[]): void {
		if (messages.length === 0) return;
		this.inbound.push(...messages);
		this.rebuild();
	}

	/**
	 * Where the provider files SMTP mail into Sent itself, our confirmed claim copy is a duplicate once the
	 * provider's copy is there: delete ours (only ours, recognised by its mark).
	 */
	private async pruneOwnCopies(): Promise<void> {
		const byId = new Map<string, SentCopy[]>();
		for (const copy of this.sentCopies) byId.set(copy.messageId, [...(byId.get(copy.messageId) ?? []), copy]);
		const redundant: number[] = [];
		for (const copies of byId.values()) {
			if (!copies.some((c) => c.mark === 'other')) continue;
			for (const c of copies) if (c.mark === 'confirmed') redundant.push(c.uid);
		}
		if (redundant.length === 0) return;
		try {
			await this.sessions.sent.messageDelete(compactUidSet(redundant), { uid: true });
		} catch (error) {
			throw commandError(error, 'deleting duplicate copies', this.sessions.sentPath);
		}
		await this.reader.forgetCopies(redundant);
		const gone = new Set(redundant);
		this.sentCopies = this.sentCopies.filter((c) => !gone.has(c.uid));
	}

	/** Full reconstruction from every fact; after the first read and when new inbound mail arrives. */
	private rebuild(): void {
		const { sequenceKey, prospects, options } = this.request;
		this.copiesById.clear();
		this.copiesByProspect.clear();
		for (const copy of this.sentCopies) this.indexCopy(copy);
		this.inboundFacts = toInboundFacts(this.inbound, sequenceKey, firstSentAtByAddress(this.sentCopies));
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
	addSentCopy(prospect: RunProspect, copy: SentCopy): void {
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

	/**
	 * Files a delivery-status report (a recipient refused at RCPT) in INBOX and counts it now, as the
	 * classifier reads it — the same way the next run and the IMAP Reply Trigger will read it.
	 */
	async recordRefusal(report: Buffer, date: Date): Promise<void> {
		const appended = await this.sessions.inbox.append('INBOX', report, [], date);
		const facts = await parseMessage(report);
		this.addInbound([
			{
				folder: 'INBOX',
				uid: appended ? appended.uid ?? 0 : 0,
				messageId: facts.messageId,
				from: facts.from?.address ? ledgerAddress(facts.from.address) : undefined,
				date,
				classification: classify(facts),
				refs: findSequenceRefs(facts).refs.filter((r) => r.sequenceHash === this.seqHash),
			},
		]);
	}

	/** The prospect's key in the ledger. */
	keyOf(prospect: RunProspect): string {
		let key = this.keys.get(prospect.index);
		if (key === undefined) this.keys.set(prospect.index, (key = ledgerKey(this.request.sequenceKey, prospect.address.address)));
		return key;
	}

	/** The prospect's state: the last rebuild's, or newer if this run sent to it since. */
	stateOf(prospect: RunProspect): ProspectState {
		const ledger = this.ledger as Ledger;
		const key = this.keyOf(prospect);
		return this.updated.get(key) ?? ledger.states.get(key) ?? ledger.get(this.request.sequenceKey, prospect.address.address);
	}

	/** Subject of step 1 as actually sent: follow-ups answer what the prospect received. */
	threadSubject(prospect: RunProspect): string | undefined {
		const first = this.stateOf(prospect).steps.find((s) => s.step === 1);
		return first ? this.copiesById.get(first.messageId)?.[0]?.subject : undefined;
	}

	/** The prospect's steps found in Sent. */
	history(prospect: RunProspect): HistoryEntry[] {
		return stepHistory(this.stateOf(prospect), this.copiesById);
	}

	/** The result fields every status shares. */
	base(prospect: RunProspect): ProspectResult {
		return baseResult(prospect.index, prospect.address.address, this.request.sequenceKey, this.ledger ? this.history(prospect) : []);
	}
}
