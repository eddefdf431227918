/**
 * A bounded list of recently handled message keys, so a message is emitted once even when the cursor
 * cannot say so (UIDVALIDITY change, the same message in two watched folders).
 */
import type { MailFacts } from '../classify/types';

/** How many keys are kept: far more than arrive between two saves of the state, small in static data. */
export const SEEN_KEYS_LIMIT = 2000;

/**
 * The key of a message: its Message-ID; without one, what identifies it across a re-sync (date, sender,
 * subject) — the UID does not, it changes with UIDVALIDITY.
 */
export function messageKey(facts: Pick<MailFacts, 'messageId' | 'date' | 'from' | 'subject'>): string {
	if (facts.messageId) return facts.messageId.trim().toLowerCase();
	return `nomid:${facts.date?.toISOString() ?? ''}|${facts.from?.address ?? ''}|${facts.subject}`;
}

/** A set view with insertion order and a size limit (oldest keys drop out first). */
export class SeenKeys {
	private readonly keys: Set<string>;

	constructor(initial: readonly string[] = [], private readonly limit = SEEN_KEYS_LIMIT) {
		this.keys = new Set(initial.slice(-limit));
	}

	has(key: string): boolean {
		return this.keys.has(key);
	}

	add(key: string): void {
		this.keys.delete(key);
		this.keys.add(key);
		while (this.keys.size > this.limit) {
			const oldest = this.keys.values().next().value;
			if (oldest === undefined) break;
			this.keys.delete(oldest);
		}
	}

	/** Oldest first, as stored. */
	toArray(): string[] {
		return [...this.keys];
	}
}
