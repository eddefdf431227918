/**
 * The IMAP Reply Trigger's engine, without n8n: one `FolderWatcher` per watched folder, each new message
 * read on the classification worker within its time budget (`InboundReader`) and examined (match →
 * filter → item), the batch's items handed to `emit`, and the cursor and the handled keys written to the
 * state store in the same synchronous step as the hand-over — never before the items are ready, so a
 * batch that could not be emitted is fetched and emitted again. The node wires the store to static data
 * and `emit` to `this.emit`; tests and the benchmark drive this class directly.
 */
import { asSequenceError, SequenceError } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { unreadReading } from '../core/classify/inbound';
import { readAttachments, type MessageAttachments } from '../core/trigger/attachments';
import { examineMessage, type ExaminedMessage } from '../core/trigger/examine-message';
import type { JsonObject } from '../core/trigger/reply-item';
import { SeenKeys } from '../core/trigger/seen-keys';
import { indexSequenceKeys, type SequenceKeyIndex } from '../core/trigger/sequence-match';
import type { TriggerOptions } from '../core/trigger/trigger-options';
import { recordSetAside, type FolderCursor, type SetAsideMessage, type TriggerState } from '../core/trigger/trigger-state';
import { isTriggerCandidate, TRIGGER_HEADER_FIELDS } from '../core/trigger/header-candidate';
import { FolderWatcher, MAX_SOURCE_BYTES, type FetchedMessage, type FolderWatchTuning, type HeaderPass } from './folder-watcher';
import { sharedInboundReader, type InboundReader } from './inbound-reader';

/** One emitted message: the item json and, when asked for, its attachments. */
export interface EmittedReply {
	json: JsonObject;
	attachments?: MessageAttachments;
}

/** Where the state lives (the node: workflow static data). `save` must be synchronous and complete. */
export interface TriggerStateStore {
	load(): TriggerState;
	save(state: TriggerState): void;
}

/** Log sink (the node passes n8n's logger). */
export interface TriggerLogger {
	debug(message: string): void;
	info(message: string): void;
	warn(message: string): void;
}

/** Everything the engine needs. */
export interface ReplyTriggerEngineConfig {
	settings: MailboxSettings;
	/** Folder paths to watch (already resolved, see `watched-folders.ts`). */
	folders: readonly string[];
	options: TriggerOptions;
	store: TriggerStateStore;
	/**
	 * Hands one batch's items over; awaited, so batches stay in order. Do what may fail first (the node
	 * has n8n store attachments as binary data), then call `commit()` — it saves the state that marks the
	 * batch handled — and hand the items over in the same synchronous step: a store that is persisted by
	 * the hand-over (n8n saves static data when a trigger emits) then persists exactly that state. Throw or
	 * reject only if nothing was handed over: the state is put back and the batch is tried again later.
	 * An emitter that cannot fail before handing over may ignore `commit`; the engine commits after it.
	 */
	emit(items: EmittedReply[], commit: () => void): void | Promise<void>;
	/** Called once when a folder cannot be watched any more; the watcher has stopped by then. */
	onFatal(error: SequenceError, folder: string): void;
	logger?: TriggerLogger;
	tuning?: Partial<FolderWatchTuning>;
	/** Each time a folder starts waiting for new mail (for benchmarks). */
	onWaiting?(folder: string): void;
	/** Reads each message within the time budget; default: the process's shared reader. */
	reader?: InboundReader;
}

const silent: TriggerLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/**
 * Bytes of a message's source the trigger fetches: what the reader reads (`MAX_SOURCE_BYTES`), or, when
 * attachments are handed on, enough for the attachment limit in base64 (4/3) plus the text before it.
 */
export function sourceCap(options: Pick<TriggerOptions, 'includeAttachments' | 'attachmentLimits'>): number {
	if (!options.includeAttachments) return MAX_SOURCE_BYTES;
	return Math.max(MAX_SOURCE_BYTES, Math.ceil((options.attachmentLimits.maxTotalBytes * 4) / 3) + MAX_SOURCE_BYTES);
}

/** With scope `sequence` only messages that refer to ours can be emitted: read the rest's headers only. */
function headerPassFor(options: Pick<TriggerOptions, 'scope'>): HeaderPass | undefined {
	return options.scope === 'sequence' ? { fields: TRIGGER_HEADER_FIELDS, isCandidate: isTriggerCandidate } : undefined;
}

/** Watches the configured folders and emits replies. */
export class ReplyTriggerEngine {
	readonly watchers: FolderWatcher[];
	private readonly keys: SequenceKeyIndex;
	private readonly logger: TriggerLogger;
	private readonly reader: InboundReader;
	/** Serialises state changes across folders: the state is read, changed and saved as one step. */
	private queue: Promise<void> = Promise.resolve();
	private fatal = false;

	constructor(private readonly config: ReplyTriggerEngineConfig) {
		this.keys = indexSequenceKeys(config.options.sequenceKeys);
		this.logger = config.logger ?? silent;
		this.reader = config.reader ?? sharedInboundReader();
		const state = config.store.load();
		const headerPass = headerPassFor(config.options);
		const tuning = { maxSourceBytes: sourceCap(config.options), ...config.tuning };
		this.watchers = config.folders.map(
			(folder) =>
				new FolderWatcher(
					config.settings,
					folder,
					state.folders[folder],
					{
						headerPass,
						onBatch: (path, messages, cursor) => this.serial(() => this.handleBatch(path, messages, cursor)),
						onCursor: (path, cursor) => void this.serial(async () => this.saveCursor(path, cursor)),
						onSetAside: (path, message, cursor) => this.serial(async () => this.saveSetAside(path, message, cursor)),
						forgottenUpTo: (path) => this.forgottenUpTo(path),
						onFatal: (path, error) => this.handleFatal(path, error),
						onLog: (level, message) => this.logger[level](message),
						onWaiting: config.onWaiting,
					},
					tuning,
				),
		);
	}

	/** Starts every folder; rejects (after closing what was opened) if any folder cannot be opened. */
	async start(): Promise<void> {
		// the classification worker starts while the folders are opened, not when the first reply arrives
		this.reader.warm();
		const results = await Promise.allSettled(this.watchers.map((w) => w.start()));
		const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
		if (failed) {
			await this.stop();
			throw asSequenceError(failed.reason);
		}
		await this.queue;
	}

	/** Logs every connection out. */
	async stop(): Promise<void> {
		await Promise.all(this.watchers.map((w) => w.stop()));
		await this.queue.catch(() => undefined);
	}

	private serial<T>(task: () => Promise<T>): Promise<T> {
		const run = this.queue.then(task);
		this.queue = run.then(
			() => undefined,
			() => undefined,
		);
		return run;
	}

	private saveCursor(folder: string, cursor: FolderCursor): void {
		const state = this.config.store.load();
		this.config.store.save({ ...state, folders: { ...state.folders, [folder]: cursor } });
	}

	private saveSetAside(folder: string, message: SetAsideMessage, cursor: FolderCursor): void {
		const state = recordSetAside(this.config.store.load(), message);
		this.config.store.save({ ...state, folders: { ...state.folders, [folder]: cursor } });
	}

	private forgottenUpTo(folder: string): Date | undefined {
		const state = this.config.store.load();
		return new SeenKeys(state.seen, state.forgotten).forgottenUpTo(folder);
	}

	private async handleBatch(folder: string, messages: FetchedMessage[], cursor: FolderCursor): Promise<void> {
		const before = this.config.store.load();
		const seen = new SeenKeys(before.seen, before.forgotten);
		let state = before;
		const replies: EmittedReply[] = [];
		for (const message of messages) {
			const examined = await this.examine(folder, message);
			if (typeof examined === 'string') {
				// not even its raw header could be examined: set aside, logged, reported
				const reason = `it could not be read (${examined})`;
				this.logger.warn(`Set aside message UID ${message.uid} in "${folder}": ${reason}`);
				state = recordSetAside(state, { folder, uid: message.uid, reason });
				continue;
			}
			if (seen.has(examined.key)) {
				this.logger.debug(`UID ${message.uid} in "${folder}" already handled (${examined.key})`);
				continue;
			}
			seen.add(examined.key, folder, message.receivedAt);
			if (!examined.item) {
				this.logger.debug(`UID ${message.uid} in "${folder}" not emitted: ${examined.decision.emit ? '' : examined.decision.reason}`);
				continue;
			}
			const attachments = this.config.options.includeAttachments ? await readAttachments(message.source, this.config.options.attachmentLimits) : undefined;
			replies.push({ json: { ...examined.item, setAside: [], setAsideCount: 0 }, ...(attachments ? { attachments } : {}) });
		}
		state = { ...state, folders: { ...state.folders, [folder]: cursor }, seen: seen.toArray(), forgotten: seen.forgotten() };
		if (replies.length === 0) {
			this.config.store.save(state);
			return;
		}
		// what was set aside since the last emit is reported once, on the first item
		replies[0].json.setAside = state.setAside.map((m) => ({ folder: m.folder, uid: m.uid, reason: m.reason }));
		replies[0].json.setAsideCount = state.setAsideCount;
		await this.handOver(folder, replies, before, { ...state, setAside: [], setAsideCount: 0 });
	}

	/** Emits a batch; `after` is saved by `commit`, in the same step as the hand-over (see `emit`). */
	private async handOver(folder: string, replies: EmittedReply[], before: TriggerState, after: TriggerState): Promise<void> {
		let committed = false;
		const commit = (): void => {
			if (committed) return;
			committed = true;
			this.config.store.save(after);
		};
		try {
			await this.config.emit(replies, commit);
		} catch (error) {
			if (committed) this.config.store.save(before);
			const cause = asSequenceError(error);
			throw new SequenceError('EMIT_FAILED', `n8n could not take ${replies.length} new message(s) from "${folder}": ${cause.message}`, {
				cause: error,
				hint: 'Nothing was marked as handled: the trigger fetches these messages again and retries, and reports the error if it persists.',
			});
		}
		commit();
	}

	/**
	 * Reads and examines one message. The reader never fails (a message it cannot classify in time comes
	 * back as a `reply` with `classReason` `fallback:…`, from its raw header); should examining fail
	 * anyway, the message is examined as unreadable, so it is still emitted; only if that fails too is the
	 * error's message returned (the caller sets the message aside).
	 */
	private async examine(folder: string, message: FetchedMessage): Promise<ExaminedMessage | string> {
		const where = { folder, uid: message.uid };
		if (message.truncated) {
			this.logger.debug(`UID ${message.uid} in "${folder}" is larger than ${sourceCap(this.config.options)} bytes: only its start was read`);
		}
		const reading = await this.reader.read(message.source);
		if (reading.classification.reason.startsWith('fallback:')) {
			this.logger.warn(`UID ${message.uid} in "${folder}" could not be classified (${reading.classification.reason}); it is emitted as a reply`);
		}
		try {
			return examineMessage(reading, where, this.config.options, this.keys);
		} catch (error) {
			this.logger.warn(`UID ${message.uid} in "${folder}" could not be examined (${asSequenceError(error).message}); it is emitted as a reply`);
		}
		try {
			return examineMessage(unreadReading(message.source, 'unreadable'), where, this.config.options, this.keys);
		} catch (error) {
			return asSequenceError(error).message;
		}
	}

	private handleFatal(folder: string, error: SequenceError): void {
		if (this.fatal) return;
		this.fatal = true;
		const { setAside, setAsideCount } = this.config.store.load();
		if (setAsideCount === 0) {
			this.config.onFatal(error, folder);
			return;
		}
		const listed = setAside.map((m) => `UID ${m.uid} in "${m.folder}": ${m.reason}`).join('; ');
		const note = `Before this, ${setAsideCount} message(s) were set aside and not emitted: ${listed}.`;
		this.config.onFatal(
			new SequenceError(error.code, error.message, { cause: error, temporary: error.temporary, hint: [error.hint, note].filter(Boolean).join(' ') }),
			folder,
		);
	}
}
