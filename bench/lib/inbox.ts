/** Counting a test user's INBOX from outside IMAP (doveadm), for benches that wait for Postfix's delivery. */
import { addressOf, mailstack } from '../../test/helpers/mailstack';

/** How long a bench waits for its messages to be delivered before it gives up. */
export const DRAIN_TIMEOUT_MS = 5 * 60_000;

export async function inboxCount(user: string): Promise<number> {
	const out = await mailstack('doveadm', 'mailbox', 'status', '-u', addressOf(user), 'messages', 'INBOX');
	return Number(/messages=(\d+)/.exec(out)?.[1] ?? 0);
}

/** Waits until `user`'s INBOX holds `count` messages (Postfix → LMTP → Dovecot is asynchronous). */
export async function drained(user: string, count: number, timeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const have = await inboxCount(user);
		if (have >= count) return;
		if (Date.now() > deadline) throw new Error(`${addressOf(user)} has ${have} of ${count} messages after ${Math.round(timeoutMs / 1000)} s`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}
