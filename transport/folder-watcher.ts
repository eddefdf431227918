/**
 * Watches one IMAP folder for new mail on its own connection: EXAMINE (read-only), catch up from the
 * cursor with UID SEARCH, then — when the caller gives a header pass — a FETCH of a few header fields of
 * the new messages and FETCH BODY.PEEK[]<0.cap> of the candidates only (else of every new message), then IDLE (re-issued every `maxIdleTimeMs`) or, where the
 * server has no IDLE, poll. Failures are retried with backoff, which starts again only once a catch-up
 * went through; failures that retrying cannot fix, or that last too long, are reported once through
 * `onFatal` and the watcher stops. A message that fails to fetch `setAsideAfter` times in a row is set
 * aside (reported through `onSetAside`) so the folder moves on.
 *
 * The watcher knows nothing about replies: it hands batches of raw messages with the cursor they move
 * the folder to. The caller marks them handled once they were emitted; only then does the watcher move on.
 */
import type { ImapFlow } from 'imapflow';
import { AuthorizationError, ConnectionError, SequenceError } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { uidSetChunks } from '../core/mail/uid-set';
import { backoffDelay, DEFAULT_BACKOFF, shouldGiveUp, type BackoffPolicy } from '../core/trigger/backoff';
import { advanceCursor, finishResync, newUids, planResume, SEARCH_SINCE_SLACK_MS, type ResumePlan } from '../core/trigger/cursor';
import type { FolderCursor, SetAsideMessage } from '../core/trigger/trigger-state';
import { connectionContext, explainConnectionError } from './connection-error';
import { closeImap, connectImap, sessionRefreshAt } from './imap-client';

/**
 * How long one IDLE may last before it is re-issued: under our 5-minute socket timeout, far under the
 * 29 minutes after which RFC 2177 §3 lets servers drop an idle client ("at least every 29 minutes").
 */
export const MAX_IDLE_TIME_MS = 4 * 60_000;
/** Poll interval for servers without IDLE. */
export const POLL_INTERVAL_MS = 60_000;
/** Longest delay setTimeout keeps (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Messages fetched (and handed over) per FETCH; bounds memory when catching up after long downtime. */
export const FETCH_BATCH_SIZE = 50;
/** Source bytes per FETCH (and per batch handed over), counting each message at most at its cap. */
export const FETCH_BATCH_BYTES = 8 * 1024 * 1024;
/** UIDs whose header fields are fetched per FETCH in the header pass. */
export const HEADER_BATCH_SIZE = 500;
/**
 * Bytes of one message's source that are fetched (`BODY.PEEK[]<0.n>`): the reader gives mailparser at
 * most 1,000 header lines and the first MiB (`core/classify/parse.ts`), the classifier decodes at most
 * 1 MiB; a 40 MB attachment behind them is never needed. The trigger raises it when it hands attachments on.
 */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
/** Failed fetches in a row after which one message is set aside (a kick or restart rarely hits one twice). */
export const SET_ASIDE_AFTER = 3;
/** UIDs per FETCH of INTERNALDATE during a re-sync (keeps the command line short). */
const DATE_FETCH_CHUNK = 500;

/** One fetched message. */
export interface FetchedMessage {
	uid: number;
	/** The source, fetched with BODY.PEEK[]<0.cap> (flags untouched): whole unless `truncated`. */
	source: Buffer;
	/** The message is larger than the source cap (`FolderWatchTuning.maxSourceBytes`); `source` is its start. */
	truncated?: boolean;
	/** INTERNALDATE: when the server received it (undefined when the server gave none). */
	receivedAt?: Date;
}

/**
 * Headers first: which header fields to fetch for every new message, and which of them are candidates
 * whose source is fetched and handed over. Messages that are not candidates are passed by the cursor.
 */
export interface HeaderPass {
	fields: readonly string[];
	/** `block`: the header fields as the server returned them. */
	isCandidate(block: Buffer): boolean;
}

/** What the watcher reports. */
export interface FolderWatchHandlers {
	/** When given, a header pass selects the messages whose source is fetched (else every new one is). */
	headerPass?: HeaderPass;
	/**
	 * New messages in UID order and the cursor that covers them. Mark them handled once emitted; the
	 * watcher waits for the returned promise. If it rejects, the batch is fetched again after the backoff.
	 */
	onBatch(folder: string, messages: FetchedMessage[], cursor: FolderCursor): Promise<void>;
	/** The cursor moved without messages to hand over (first activation at UIDNEXT, UIDVALIDITY re-sync). */
	onCursor(folder: string, cursor: FolderCursor): void;
	/** A message could not be fetched `setAsideAfter` times in a row; `cursor` passes it. Awaited. */
	onSetAside(folder: string, message: SetAsideMessage, cursor: FolderCursor): Promise<void>;
	/** The newest INTERNALDATE among handled messages of the folder that are no longer remembered. */
	forgottenUpTo?(folder: string): Date | undefined;
	/** Retrying stopped: wrong password, TLS mismatch, or failures for `giveUpAfterMs`. */
	onFatal(folder: string, error: SequenceError): void;
	/** Reconnects, re-syncs and other notable events, for the n8n log. */
	onLog?(level: 'debug' | 'info' | 'warn', message: string): void;
	/** Each time the watcher starts waiting for new mail (IDLE sent or poll sleep begun). */
	onWaiting?(folder: string): void;
}

/** Tunables; every field has a production default. */
export interface FolderWatchTuning {
	/** `'auto'`: IDLE when the server offers it, else poll. `'poll'`: always poll. Default `'auto'`. */
	mode: 'auto' | 'poll';
	/** Default `POLL_INTERVAL_MS`. */
	pollIntervalMs: number;
	/** Default `MAX_IDLE_TIME_MS`. */
	maxIdleTimeMs: number;
	/** Default `FETCH_BATCH_SIZE`. */
	batchSize: number;
	/** Default `FETCH_BATCH_BYTES`. */
	batchBytes: number;
	/** Default `HEADER_BATCH_SIZE`. */
	headerBatchSize: number;
	/** Default `MAX_SOURCE_BYTES`. */
	maxSourceBytes: number;
	/** Default `SET_ASIDE_AFTER`. */
	setAsideAfter: number;
	/** Default `DEFAULT_BACKOFF` (1 s doubling to 60 s; give up after 5 minutes). */
	backoff: BackoffPolicy;
	/** The clock. Default `Date.now`. */
	now: () => number;
}

/** Defaults of `FolderWatchTuning`. */
export const DEFAULT_WATCH_TUNING: FolderWatchTuning = {
	mode: 'auto',
	pollIntervalMs: POLL_INTERVAL_MS,
	maxIdleTimeMs: MAX_IDLE_TIME_MS,
	batchSize: FETCH_BATCH_SIZE,
	batchBytes: FETCH_BATCH_BYTES,
	headerBatchSize: HEADER_BATCH_SIZE,
	maxSourceBytes: MAX_SOURCE_BYTES,
	setAsideAfter: SET_ASIDE_AFTER,
	backoff: DEFAULT_BACKOFF,
	now: () => Date.now(),
};

/** Counters for tests and benchmarks (what start-up and catch-up cost, independent of timing). */
export interface FolderWatchStats {
	/** Successful logins. */
	sessions: number;
	/** Sessions replaced before their OAuth2 token expired. */
	tokenRotations: number;
	/** IMAP commands sent, all sessions. */
	commands: number;
	/** Messages fetched with their source. */
	fetched: number;
	/** Bytes of those sources. */
	fetchedBytes: number;
	/** Messages whose header fields were fetched in the header pass. */
	headersFetched: number;
	/** UIDs returned by UID SEARCH, before discarding the ones at or below the cursor. */
	searchedUids: number;
	/** Messages set aside after failing to fetch. */
	setAside: number;
}

/** A FETCH failed (as opposed to the hand-over): the messages it covered, up to `upTo`, count it. */
class FetchFailure extends Error {
	constructor(
		readonly error: unknown,
		readonly upTo: number,
	) {
		super('FETCH failed');
	}
}

/** Runs a FETCH of UIDs up to `upTo`; its failure becomes a `FetchFailure`. */
async function fetching<T>(upTo: number, fetch: () => Promise<T>): Promise<T> {
	try {
		return await fetch();
	} catch (error) {
		throw new FetchFailure(error, upTo);
	}
}

function chunks<T>(list: readonly T[], size: number): T[][] {
	const result: T[][] = [];
	for (let i = 0; i < list.length; i += size) result.push(list.slice(i, i + size));
	return result;
}

/**
 * Whether a response to the resync's `UID FETCH (INTERNALDATE)` names a message that arrived at or after
 * `from`. Only answers count: a FETCH response for a UID that was not asked for, or with no UID at all, is
 * another session's flag change that the server reported during the command (RFC 7162 §3.2.4 gives it
 * the UID under QRESYNC; without it Dovecot sends none, and imapflow hands both to the FETCH in progress).
 * An asked message with no date is kept: an extra candidate costs a header read, a lost one a reply.
 */
export function arrivedAtOrAfter(message: { uid?: number; internalDate?: Date | string }, asked: ReadonlySet<number>, from: Date): boolean {
	if (typeof message.uid !== 'number' || !asked.has(message.uid)) return false;
	const received = dateOf(message.internalDate);
	return !received || received.getTime() >= from.getTime();
}

/** imapflow gives INTERNALDATE as a Date, or as the raw string when it could not parse it. */
function dateOf(value: Date | string | undefined): Date | undefined {
	const date = value instanceof Date ? value : value === undefined ? undefined : new Date(value);
	return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

/** Watches one folder. `start()` once, `stop()` once. */
export class FolderWatcher {
	readonly stats: FolderWatchStats = {
		sessions: 0,
		tokenRotations: 0,
		commands: 0,
		fetched: 0,
		fetchedBytes: 0,
		headersFetched: 0,
		searchedUids: 0,
		setAside: 0,
	};
	private readonly tuning: FolderWatchTuning;
	private client: ImapFlow | undefined;
	private cursor: FolderCursor | undefined;
	private stopped = false;
	private changed = false;
	private wake: (() => void) | undefined;
	private loop: Promise<void> | undefined;
	/** Set once a session got as far as opening the folder: the settings are proven to work. */
	private provenSettings = false;
	/** Failures since the last complete catch-up: the backoff and the give-up clock. */
	private attempt = 0;
	private failingSince: number | undefined;
	/** A re-sync (UIDVALIDITY changed) still to finish before catching up. */
	private resync: { from: Date; endUid: number } | undefined;
	/** UIDs up to this one are fetched one at a time: a FETCH that covered them failed. */
	private narrowUpTo = 0;
	/** Failed fetches in a row, by UID (of the cursor's UIDVALIDITY). */
	private readonly fetchFailures = new Map<number, number>();

	constructor(
		private readonly settings: MailboxSettings,
		readonly folder: string,
		cursor: FolderCursor | undefined,
		private readonly handlers: FolderWatchHandlers,
		tuning: Partial<FolderWatchTuning> = {},
	) {
		this.cursor = cursor;
		this.tuning = { ...DEFAULT_WATCH_TUNING, ...tuning };
	}

	/** Where the folder stands (after `start()` resolved, always set). */
	get currentCursor(): FolderCursor | undefined {
		return this.cursor;
	}

	/**
	 * Logs in, opens the folder and places the cursor, then keeps watching in the background. Rejects
	 * (with an explained `ConnectionError`) when the first login fails, so activation fails visibly.
	 */
	async start(): Promise<void> {
		await this.openSession();
		this.loop = this.run();
	}

	/** Logs out and waits for the background loop to end. Leaves no connection behind. */
	async stop(): Promise<void> {
		this.stopped = true;
		this.wake?.();
		await this.closeClient();
		await this.loop;
	}

	private explain(error: unknown): SequenceError {
		if (error instanceof SequenceError) return error;
		return explainConnectionError(error, connectionContext(this.settings, 'IMAP'));
	}

	private now(): Date {
		return new Date(this.tuning.now());
	}

	private async closeClient(): Promise<void> {
		const client = this.client;
		this.client = undefined;
		await closeImap(client);
	}

	/** Connects, opens the folder read-only and places the cursor; fetching is left to the loop. */
	private async openSession(): Promise<void> {
		try {
			// failures surface through the rejected command or the 'close' event
			const client = await connectImap(this.settings, {
				extra: { maxIdleTime: this.tuning.maxIdleTimeMs },
				log: { warn: (message) => this.handlers.onLog?.('warn', message) },
				onCommand: () => this.stats.commands++,
				attach: (created) => {
					created.on('exists', () => this.nudge());
					created.on('close', () => this.wake?.());
					this.client = created;
				},
			});
			this.stats.sessions++;
			const mailbox = await client.mailboxOpen(this.folder, { readOnly: true });
			this.provenSettings = true;
			const opened = { uidValidity: String(mailbox.uidValidity), uidNext: mailbox.uidNext };
			this.place(planResume(this.cursor, opened, this.now(), this.handlers.forgottenUpTo?.(this.folder)));
		} catch (error) {
			await this.closeClient();
			throw this.explain(error);
		}
	}

	private place(plan: ResumePlan): void {
		if (plan.kind === 'resume') return;
		if (plan.kind === 'start') {
			this.cursor = plan.cursor;
			this.handlers.onCursor(this.folder, plan.cursor);
			return;
		}
		if (this.cursor?.uidValidity !== plan.cursor.uidValidity) {
			this.handlers.onLog?.('warn', `UIDVALIDITY of "${this.folder}" changed; re-reading the mail that arrived since ${plan.from.toISOString()}`);
			this.fetchFailures.clear();
			this.narrowUpTo = 0;
			this.cursor = plan.cursor;
			this.handlers.onCursor(this.folder, plan.cursor);
		}
		this.resync = { from: plan.from, endUid: plan.endUid };
	}

	/** New mail announced (EXISTS): make the loop catch up, breaking IDLE if needed. */
	private nudge(): void {
		this.changed = true;
		const client = this.client;
		// any command breaks IDLE (imapflow sends DONE first); the loop then catches up
		if (client?.idling) client.noop().catch(() => undefined);
		this.wake?.();
	}

	private sleep(ms: number): Promise<void> {
		return new Promise((resolve) => {
			const timer = setTimeout(done, ms);
			function done(): void {
				clearTimeout(timer);
				resolve();
			}
			this.wake = done;
		});
	}

	private async run(): Promise<void> {
		while (!this.stopped) {
			try {
				if (!this.client?.usable) {
					await this.closeClient();
					await this.openSession();
					this.handlers.onLog?.('info', `Reconnected to "${this.folder}"`);
				}
				if ((await this.watch(this.client as ImapFlow)) === 'token-expiring') {
					// a session may not outlive its OAuth2 token (Exchange Online ends or invalidates it): replace
					// it now, without backoff; the new one resumes from the cursor, so nothing is lost or repeated
					await this.closeClient();
					await this.openSession();
					this.stats.tokenRotations++;
					this.handlers.onLog?.('debug', `Signed in to "${this.folder}" again with a fresh access token before the old one expires`);
				}
			} catch (error) {
				if (this.stopped) break;
				const explained = this.explain(error);
				const now = this.tuning.now();
				this.failingSince ??= now;
				// Once these settings have worked, only a rejected password (or a sign-in that cannot give a
				// token any more) is final at once: a reset during a reconnect's TLS handshake (server
				// restarting) looks like a TLS mismatch.
				const final =
					explained.code === 'AUTH_FAILED' ||
					(explained instanceof AuthorizationError && !explained.temporary) ||
					(!this.provenSettings && !explained.temporary);
				if (shouldGiveUp({ temporary: !final }, this.failingSince, now, this.tuning.backoff)) {
					this.stopped = true;
					await this.closeClient();
					this.handlers.onFatal(this.folder, explained);
					return;
				}
				this.attempt++;
				const delay = backoffDelay(this.attempt, this.tuning.backoff);
				this.handlers.onLog?.('warn', `Watching "${this.folder}" failed (${explained.message}); trying again in ${delay} ms`);
				await this.sleep(delay);
			}
		}
	}

	/**
	 * One session: finish a re-sync, catch up, wait for news, repeat, until the connection is gone — or,
	 * for an OAuth2 mailbox, until its token is due for refresh ('token-expiring': the caller signs in again).
	 */
	private async watch(client: ImapFlow): Promise<'stopped' | 'token-expiring'> {
		const useIdle = this.tuning.mode === 'auto' && client.capabilities.has('IDLE');
		const rotateAt = sessionRefreshAt(client);
		if (this.resync) await this.finishResync(client, this.resync);
		while (!this.stopped && client.usable) {
			this.changed = false;
			await this.catchUp(client);
			// everything up to now went through: the next failure starts the backoff afresh
			this.attempt = 0;
			this.failingSince = undefined;
			if (this.changed || this.stopped) continue;
			const untilRotation = rotateAt === undefined ? Infinity : rotateAt - this.tuning.now();
			if (untilRotation <= 0) return 'token-expiring';
			this.handlers.onWaiting?.(this.folder);
			if (useIdle) {
				// any command ends IDLE (imapflow sends DONE first); the loop then sees the rotation is due
				const timer = Number.isFinite(untilRotation)
					? setTimeout(() => client.noop().catch(() => undefined), Math.min(untilRotation, MAX_TIMER_MS))
					: undefined;
				try {
					await client.idle();
				} finally {
					clearTimeout(timer);
				}
			} else {
				await this.sleep(Math.min(this.tuning.pollIntervalMs, untilRotation));
				// RFC 3501 §6.1.2: NOOP lets the server report new messages (untagged EXISTS)
				if (!this.stopped && client.usable) await client.noop();
			}
		}
		if (!this.stopped) throw this.closedError();
		return 'stopped';
	}

	/** The established session ended (kicked, server restart, socket timeout): always worth a retry. */
	private closedError(): ConnectionError {
		const { host, port } = this.settings.imap;
		return new ConnectionError('CONNECTION_CLOSED', `IMAP server ${host}:${port} closed the connection.`, { service: 'IMAP', host, port });
	}

	private async catchUp(client: ImapFlow): Promise<void> {
		const cursor = this.cursor as FolderCursor;
		const found = await client.search({ uid: `${cursor.lastUid + 1}:*` }, { uid: true });
		if (!found) throw this.closedError();
		this.stats.searchedUids += found.length;
		await this.fetchAndHand(client, newUids(found, cursor));
	}

	/**
	 * After a UIDVALIDITY change: hands over the messages that arrived from `from` on (the handled ones
	 * among them are skipped by key), then moves the cursor past everything the folder held when opened.
	 */
	private async finishResync(client: ImapFlow, resync: { from: Date; endUid: number }): Promise<void> {
		const found = await client.search({ since: new Date(resync.from.getTime() - SEARCH_SINCE_SLACK_MS) }, { uid: true });
		if (!found) throw this.closedError();
		this.stats.searchedUids += found.length;
		const uids = await this.arrivedFrom(client, newUids(found, this.cursor as FolderCursor), resync.from);
		await this.fetchAndHand(client, uids);
		this.resync = undefined;
		this.cursor = finishResync(this.cursor as FolderCursor, resync.endUid, this.now());
		this.handlers.onCursor(this.folder, this.cursor);
	}

	/** The UIDs whose INTERNALDATE is at or after `from` (kept when the server gives no date). */
	private async arrivedFrom(client: ImapFlow, uids: number[], from: Date): Promise<number[]> {
		const kept = new Set<number>();
		for (const chunk of chunks(uids, DATE_FETCH_CHUNK)) {
			const asked = new Set(chunk);
			for await (const message of client.fetch(chunk.join(','), { uid: true, internalDate: true }, { uid: true })) {
				if (arrivedAtOrAfter(message, asked, from)) kept.add(message.uid);
			}
		}
		return [...kept].sort((a, b) => a - b);
	}

	/**
	 * Hands over `uids` (new, ascending) stretch by stretch: a stretch is `headerBatchSize` UIDs with a
	 * header pass (`batchSize` without), or one UID in a stretch where an earlier FETCH failed. Only a
	 * failed FETCH counts against a message; a failed hand-over (emit) is retried as it is.
	 */
	private async fetchAndHand(client: ImapFlow, uids: number[]): Promise<void> {
		const stretchSize = this.handlers.headerPass ? this.tuning.headerBatchSize : this.tuning.batchSize;
		let index = 0;
		while (index < uids.length) {
			// a session that broke on the previous message must not count against the next one
			if (!client.usable) throw this.closedError();
			const single = uids[index] <= this.narrowUpTo;
			const stretch = single ? [uids[index]] : uids.slice(index, index + stretchSize);
			try {
				await this.handStretch(client, stretch);
			} catch (failure) {
				if (!(failure instanceof FetchFailure)) throw failure;
				const error = failure.error;
				if (!single) {
					// which message broke the FETCH is unknown: fetch this stretch one message at a time
					this.narrowUpTo = Math.max(this.narrowUpTo, failure.upTo);
					throw error;
				}
				const failures = (this.fetchFailures.get(stretch[0]) ?? 0) + 1;
				this.fetchFailures.set(stretch[0], failures);
				if (failures < this.tuning.setAsideAfter) throw error;
				await this.setAside(stretch[0], failures, error);
				index += 1;
				continue;
			}
			for (const uid of stretch) this.fetchFailures.delete(uid);
			index += stretch.length;
		}
	}

	/**
	 * One stretch: the header pass picks the candidates (all of them without one), their sources are
	 * fetched and handed over in batches of at most `batchSize` messages and `batchBytes` bytes, then
	 * the cursor passes the rest of the stretch. UIDs expunged between SEARCH and FETCH return nothing;
	 * the cursor still passes them. Only memory for one batch of sources is held at a time.
	 */
	private async handStretch(client: ImapFlow, stretch: number[]): Promise<void> {
		const pass = this.handlers.headerPass;
		const candidates = pass ? await fetching(stretch[stretch.length - 1], () => this.fetchCandidates(client, stretch, pass)) : stretch.map((uid) => ({ uid, size: undefined }));
		const cap = this.tuning.maxSourceBytes;
		let index = 0;
		while (index < candidates.length) {
			let bytes = 0;
			let end = index;
			while (end < candidates.length && end - index < this.tuning.batchSize) {
				const size = Math.min(candidates[end].size ?? cap, cap);
				if (end > index && bytes + size > this.tuning.batchBytes) break;
				bytes += size;
				end++;
			}
			const batch = candidates.slice(index, end).map((c) => c.uid);
			const messages = await fetching(batch[batch.length - 1], () => this.fetchSources(client, batch));
			this.stats.fetched += messages.length;
			for (const message of messages) this.stats.fetchedBytes += message.source.length;
			await this.hand(messages, batch[batch.length - 1]);
			index = end;
		}
		const last = stretch[stretch.length - 1];
		// the rest of the stretch holds no candidate (or nothing that still exists): the cursor passes it
		if ((this.cursor as FolderCursor).lastUid < last) await this.hand([], last);
	}

	private async hand(messages: FetchedMessage[], upTo: number): Promise<void> {
		const next = advanceCursor(this.cursor as FolderCursor, upTo, this.now());
		await this.handlers.onBatch(this.folder, messages, next);
		this.cursor = next;
	}

	/** The header pass over `uids`: the candidates, ascending, with their RFC822.SIZE. */
	private async fetchCandidates(client: ImapFlow, uids: number[], pass: HeaderPass): Promise<{ uid: number; size: number | undefined }[]> {
		const candidates: { uid: number; size: number | undefined }[] = [];
		for (const set of uidSetChunks(uids)) {
			for await (const message of client.fetch(set, { uid: true, size: true, headers: [...pass.fields] }, { uid: true })) {
				this.stats.headersFetched++;
				if (pass.isCandidate(message.headers ?? Buffer.alloc(0))) candidates.push({ uid: message.uid, size: message.size });
			}
		}
		return candidates.sort((a, b) => a.uid - b.uid);
	}

	private async fetchSources(client: ImapFlow, uids: number[]): Promise<FetchedMessage[]> {
		const cap = this.tuning.maxSourceBytes;
		const messages: FetchedMessage[] = [];
		const query = { uid: true, size: true, source: { start: 0, maxLength: cap }, internalDate: true };
		for (const set of uidSetChunks(uids)) {
			for await (const message of client.fetch(set, query, { uid: true })) {
				if (!message.source) continue;
				const truncated = (message.size ?? 0) > message.source.length && message.source.length >= cap;
				messages.push({ uid: message.uid, source: message.source, receivedAt: dateOf(message.internalDate), ...(truncated ? { truncated } : {}) });
			}
		}
		return messages.sort((a, b) => a.uid - b.uid);
	}

	private async setAside(uid: number, failures: number, error: unknown): Promise<void> {
		const reason = `fetching it failed ${failures} times in a row (last: ${this.explain(error).message})`;
		this.handlers.onLog?.('warn', `Set aside message UID ${uid} in "${this.folder}": ${reason}. The folder moves on without it.`);
		const next = advanceCursor(this.cursor as FolderCursor, uid, this.now());
		await this.handlers.onSetAside(this.folder, { folder: this.folder, uid, reason }, next);
		this.fetchFailures.delete(uid);
		this.stats.setAside++;
		this.cursor = next;
	}
}
