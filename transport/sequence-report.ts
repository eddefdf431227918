/**
 * The Report operation: reads the sequence's ledger the way a run does — one IMAP session, Sent through
 * the cached index (headers first, re-checked with three UID SEARCHes), INBOX/Junk headers first with only
 * the candidates fetched — for every prospect found in Sent, and counts it (`core/report`).
 */
import { asSequenceError } from '../core/errors';
import { prospectHash, sequenceHash } from '../core/mail/message-id';
import type { MailboxSettings } from '../core/mailbox/settings';
import { sequenceReport, type ReportRow } from '../core/report/sequence-report';
import { buildLedger } from '../core/sequence/ledger';
import { firstSentAtByAddress, toInboundFacts, toSentFacts, type SentCopy } from '../core/sequence/mailbox-facts';
import type { RunEnvironment } from '../core/sequence/run-request';
import { runRelevance } from '../core/sequence/run-relevance';
import { accountKey, LedgerReader, type LedgerReadStats } from './ledger-reader';
import { MailboxSessions } from './mailbox-sessions';

/** What the report is asked for. */
export interface ReportRequest {
	sequenceKey: string;
	settings: MailboxSettings;
	/** Read the Junk folder too (as the runs of the sequence do). */
	checkJunk: boolean;
	/** Steps in the sequence (for `finished`); default: the highest step found in Sent. */
	totalSteps?: number;
	/** How long to wait for a free connection at the mailbox's limit. @default 15 */
	maxWaitMinutes?: number;
	/** Auto-reply pause (days) as the runs use it; it changes no count. @default 7 */
	autoReplyPauseDays?: number;
}

/** The report and what reading it cost. */
export interface ReportResult {
	rows: ReportRow[];
	stats: LedgerReadStats;
}

/** Each prospect's address, recovered from the copies: the recipient whose hash is the one in the copy's Message-ID. */
function prospectAddresses(sequenceKey: string, copies: readonly SentCopy[]): string[] {
	const addresses = new Map<string, string>();
	for (const copy of copies) {
		if (addresses.has(copy.ref.prospectHash)) continue;
		const address = copy.to.find((to) => prospectHash(sequenceKey, to) === copy.ref.prospectHash);
		if (address) addresses.set(copy.ref.prospectHash, address);
	}
	return [...addresses.values()];
}

/** Reads the mailbox and counts the sequence. Throws a SequenceError when the mailbox cannot be read. */
export async function readSequenceReport(request: ReportRequest, env: Pick<RunEnvironment, 'now' | 'sleep' | 'random' | 'log'>): Promise<ReportResult> {
	const { sequenceKey, settings } = request;
	const wait = {
		deadline: env.now().getTime() + (request.maxWaitMinutes ?? 15) * 60_000,
		now: () => env.now().getTime(),
		sleep: env.sleep,
		random: env.random,
	};
	const sessions = await MailboxSessions.open(settings, { operation: 'preview', checkJunk: request.checkJunk }, { log: env.log, wait }).catch((error: unknown) => {
		throw asSequenceError(error);
	});
	try {
		const reader = new LedgerReader(sessions, sessions.sentPath, sessions.inboundFolders, accountKey(settings.imap.host, settings.imap.port, settings.user));
		const now = env.now();
		const { copies, firstSentAt } = await reader.readSequence(sequenceHash(sequenceKey), now);
		const addresses = prospectAddresses(sequenceKey, copies);
		const inbound = firstSentAt ? await reader.inbound(runRelevance(sequenceKey, addresses), firstSentAt) : [];
		const facts = toInboundFacts(inbound, sequenceKey, firstSentAtByAddress(copies));
		const ledger = buildLedger(
			addresses.map((address) => ({ sequenceKey, address })),
			toSentFacts(copies),
			facts,
			{ autoReplyPauseDays: request.autoReplyPauseDays ?? 7 },
		);
		const rows = sequenceReport({
			sequenceKey,
			ledger,
			addresses,
			inbound: facts,
			...(request.totalSteps ? { totalSteps: request.totalSteps } : {}),
			now,
		});
		return { rows, stats: reader.stats };
	} catch (error) {
		throw asSequenceError(error);
	} finally {
		await sessions.close();
	}
}
