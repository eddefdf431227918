/**
 * A bounded list of recently handled messages, so a message is emitted once even when the cursor cannot
 * say so (UIDVALIDITY change, the same message in two watched folders).
 *
 * The list is bounded, so on a busy mailbox it forgets: for each folder it keeps the newest INTERNALDATE
 * among the messages it forgot (`forgotten`). A re-sync reads only messages that arrived at or after that
 * mark (see `planResume`), and every handled message of that folder that arrived after it is still here:
 * dedupe covers the whole re-scan window whatever the mailbox's traffic, in bounded memory. Messages that
 * arrived in the very second of the mark may be emitted again; none is skipped.
 */
import { createHash } from 'node:crypto';
import type { MailFacts } from '../classify/types';
import type { SeenEntry } from './trigger-state';

/** How many messages are kept: far more than arrive between two saves of the state, small in static data. */
export const SEEN_KEYS_LIMIT = 2000;

/**
 * The key of a message: its Message-ID; without one, what identifies it across a re-sync (date, sender,
 * subject) — the UID does not, it changes with UIDVALIDITY.
 */
export function messageKey(facts: Pick<MailFacts, 'messageId' | 'date' | 'from' | 'subject'>): string {
	if (facts.messageId) return facts.messageId.trim().toLowerCase();
	return `nomid:${facts.date?.toISOString() ?? ''}|${facts.from?.address ?? ''}|${facts.subject}`;
}

/**
 * What is stored for a key: 96 bits of its SHA-256 (16 characters instead of a Message-ID's 40–100 in
 * static data; a collision among 2,000 keys has a probability of about 2e-23).
 */
export function hashMessageKey(key: string): string {
	return createHash('sha256').update(key).digest('base64url').slice(0, 16);
}

/** A set of handled messages with insertion order and a size limit (oldest drop out first). */
export class SeenKeys {
	private readonly entries = new Map<string, SeenEntry>();
	private readonly forgottenMarks: Map<string, number>;

	constructor(
		initial: readonly SeenEntry[] = [],
		forgotten: Readonly<Record<string, number>> = {},
		private readonly limit = SEEN_KEYS_LIMIT,
	) {
		this.forgottenMarks = new Map(Object.entries(forgotten));
		for (const entry of initial) this.put(entry);
	}

	/** Whether a message with this key (see `messageKey`) was handled. */
	has(key: string): boolean {
		return this.entries.has(hashMessageKey(key));
	}

	/** Records a handled message; `receivedAt` is its INTERNALDATE (undefined when the server gave none). */
	add(key: string, folder: string, receivedAt: Date | undefined): void {
		const seconds = receivedAt && !Number.isNaN(receivedAt.getTime()) ? Math.floor(receivedAt.getTime() / 1000) : 0;
		this.put([hashMessageKey(key), folder, seconds]);
	}

	/**
	 * The newest INTERNALDATE among the forgotten messages of `folder`: every handled message of that
	 * folder that arrived after it is still known.
	 */
	forgottenUpTo(folder: string): Date | undefined {
		const seconds = this.forgottenMarks.get(folder);
		return seconds === undefined ? undefined : new Date(seconds * 1000);
	}

	/** Oldest first, as stored. */
	toArray(): SeenEntry[] {
		return [...this.entries.values()];
	}

	/** The `forgotten` marks by folder, as stored. */
	forgotten(): Record<string, number> {
		return Object.fromEntries(this.forgottenMarks);
	}

	private put(entry: SeenEntry): void {
		const known = this.entries.get(entry[0]);
		// the same message handled in a second folder: the first folder's entry is dropped, so forgotten
		if (known && known[1] !== entry[1]) this.forget(known);
		this.entries.delete(entry[0]);
		this.entries.set(entry[0], entry);
		while (this.entries.size > this.limit) {
			const oldest = this.entries.values().next().value;
			if (oldest === undefined) break;
			this.entries.delete(oldest[0]);
			this.forget(oldest);
		}
	}

	/** An entry without folder or date (from an older version) cannot move a mark: its folder is unknown. */
	private forget([, folder, receivedAt]: SeenEntry): void {
		if (!folder || receivedAt <= 0) return;
		this.forgottenMarks.set(folder, Math.max(this.forgottenMarks.get(folder) ?? 0, receivedAt));
	}
}
