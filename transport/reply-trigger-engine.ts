/**
 * The IMAP Reply Trigger's engine, without n8n: one `FolderWatcher` per watched folder, each new message
 * examined (parse → classify → match → filter), the cursor and the handled keys written to the state
 * store, and only then the batch's items emitted. The node wires the store to static data and `emit`
 * to `this.emit`; tests and the benchmark drive this class directly.
 */
import { asSequenceError, type SequenceError } from '../core/errors';
import type { MailboxSettings } from '../core/mailbox/settings';
import { readAttachments, type MessageAttachments } from '../core/trigger/attachments';
import { examineMessage } from '../core/trigger/examine-message';
import type { JsonObject } from '../core/trigger/reply-item';
import { SeenKeys } from '../core/trigger/seen-keys';
import { indexSequenceKeys, type SequenceKeyIndex } from '../core/trigger/sequence-match';
import type { TriggerOptions } from '../core/trigger/trigger-options';
import type { FolderCursor, TriggerState } from '../core/trigger/trigger-state';
import { FolderWatcher, type FetchedMessage, type FolderWatchTuning } from './folder-watcher';

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
	/** Called with each batch's items after the state was saved; awaited, so batches stay in order. */
	emit(items: EmittedReply[]): void | Promise<void>;
	/** Called once when a folder cannot be watched any more; the watcher has stopped by then. */
	onFatal(error: SequenceError, folder: string): void;
	logger?: TriggerLogger;
	tuning?: Partial<FolderWatchTuning>;
	/** Each time a folder starts waiting for new mail (for benchmarks). */
	onWaiting?(folder: string): void;
}

const silent: TriggerLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined };

/** Watches the configured folders and emits replies. */
export class ReplyTriggerEngine {
	readonly watchers: FolderWatcher[];
	private readonly keys: SequenceKeyIndex;
	private readonly logger: TriggerLogger;
	/** Serialises batch handling across folders: the state is read, changed and saved as one step. */
	private queue: Promise<void> = Promise.resolve();
	private fatal = false;

	constructor(private readonly config: ReplyTriggerEngineConfig) {
		this.keys = indexSequenceKeys(config.options.sequenceKeys);
		this.logger = config.logger ?? silent;
		const state = config.store.load();
		this.watchers = config.folders.map(
			(folder) =>
				new FolderWatcher(
					config.settings,
					folder,
					state.folders[folder],
					{
						onBatch: (path, messages, cursor) => this.serial(() => this.handleBatch(path, messages, cursor)),
						onCursor: (path, cursor) => void this.serial(async () => this.saveCursor(path, cursor)),
						onFatal: (path, error) => this.handleFatal(path, error),
						onLog: (level, message) => this.logger[level](message),
						onWaiting: config.onWaiting,
					},
					config.tuning,
				),
		);
	}

	/** Starts every folder; rejects (after closing what was opened) if any folder cannot be opened. */
	async start(): Promise<void> {
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
		state.folders[folder] = cursor;
		this.config.store.save(state);
	}

	private async handleBatch(folder: string, messages: FetchedMessage[], cursor: FolderCursor): Promise<void> {
		const state = this.config.store.load();
		const seen = new SeenKeys(state.seen);
		const items: EmittedReply[] = [];
		for (const message of messages) {
			const where = { folder, uid: message.uid };
			let examined;
			try {
				examined = await examineMessage(message.source, where, this.config.options, this.keys);
			} catch (error) {
				// one unreadable message must not block the folder for good; it is named in the log
				this.logger.warn(`Skipped message UID ${message.uid} in "${folder}": ${asSequenceError(error).message}`);
				continue;
			}
			if (seen.has(examined.key)) {
				this.logger.debug(`UID ${message.uid} in "${folder}" already handled (${examined.key})`);
				continue;
			}
			seen.add(examined.key);
			if (!examined.item) {
				this.logger.debug(`UID ${message.uid} in "${folder}" not emitted: ${examined.decision.emit ? '' : examined.decision.reason}`);
				continue;
			}
			const attachments = this.config.options.includeAttachments ? await readAttachments(message.source, this.config.options.attachmentLimits) : undefined;
			items.push({ json: examined.item, ...(attachments ? { attachments } : {}) });
		}
		state.folders[folder] = cursor;
		state.seen = seen.toArray();
		// the state is saved before the items leave: see docs/trigger-readme-section.md ("Delivery guarantee")
		this.config.store.save(state);
		if (items.length > 0) await this.config.emit(items);
	}

	private handleFatal(folder: string, error: SequenceError): void {
		if (this.fatal) return;
		this.fatal = true;
		this.config.onFatal(error, folder);
	}
}
