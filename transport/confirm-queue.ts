/**
 * Records SMTP acceptances in Sent (`$SeqSent` on the claim copies), batched: on a maildir server every
 * flag change renames files, which makes the claiming session re-read the Sent directory, so one STORE
 * per send would slow the claims down. Until confirmed a copy only reads as a claim; after a crash it
 * counts as sent either way (reported `unconfirmed`).
 */
import type { ImapFlow } from 'imapflow';
import { confirmClaims } from './sent-claim';

/** Accepted sends are confirmed in one STORE per this many, or after {@link CONFIRM_DELAY_MS}. */
export const CONFIRM_BATCH = 32;
/** Longest time an accepted send waits for its confirmation STORE. */
export const CONFIRM_DELAY_MS = 500;

/** Queues confirmations and stores them in batches, in order, on one session that has Sent selected. */
export class ConfirmQueue {
	private queue: number[] = [];
	private confirming: Promise<void> = Promise.resolve();
	private timer?: NodeJS.Timeout;

	/**
	 * `session` gives the session that has Sent selected, when a batch is stored. `keywords` false: Sent keeps
	 * no custom keywords (`keepsKeywords`) and would drop `$SeqSent`, so nothing is stored.
	 */
	constructor(
		private readonly session: () => ImapFlow,
		private readonly keywords = true,
	) {}

	/** Queues the confirmation of an accepted claim. */
	add(uid: number): void {
		if (!this.keywords) return;
		this.queue.push(uid);
		if (this.queue.length >= CONFIRM_BATCH) void this.flush();
		else this.timer ??= setTimeout(() => void this.flush(), CONFIRM_DELAY_MS);
	}

	/** Stores every queued confirmation in one command; resolves when all earlier ones are stored too. Never rejects. */
	flush(): Promise<void> {
		clearTimeout(this.timer);
		this.timer = undefined;
		const uids = this.queue;
		this.queue = [];
		if (uids.length > 0) {
			// the messages went out; an unconfirmed claim still counts as sent on the next run
			this.confirming = this.confirming.then(() => confirmClaims(this.session(), uids).catch(() => undefined));
		}
		return this.confirming;
	}
}
