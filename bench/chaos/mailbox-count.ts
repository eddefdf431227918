/**
 * The chaos run's figures come from here: what the recipients' mailboxes hold and what the servers say
 * is still connected — never from the node's own bookkeeping. Messages are read with envelope fields
 * only (To, Message-ID, Date, In-Reply-To) plus INTERNALDATE, the moment Dovecot stored them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createImapClient } from '../../transport/imap-client';
import { addressOf, mailstack, settingsFor, stack } from '../../test/helpers/mailstack';

/** A message as a mailbox holds it. */
export interface Stored {
	user: string;
	uid: number;
	messageId: string;
	/** Every To address, lower-cased (plus-addresses kept). */
	to: string[];
	from: string;
	inReplyTo: string;
	/** The Date header (for our steps: when the run decided to send). */
	date: Date;
	/** When the server stored it. */
	internalDate: Date;
}

/** Every message in `user`'s INBOX. */
export async function storedMessages(user: string, folder = 'INBOX'): Promise<Stored[]> {
	const client = createImapClient(settingsFor(user));
	client.on('error', () => undefined);
	await client.connect();
	try {
		const box = await client.mailboxOpen(folder, { readOnly: true });
		if (box.exists === 0) return [];
		const messages = await client.fetchAll('1:*', { uid: true, envelope: true, internalDate: true });
		return messages.map((m) => ({
			user,
			uid: m.uid,
			messageId: m.envelope?.messageId ?? '',
			to: (m.envelope?.to ?? []).map((a) => (a.address ?? '').toLowerCase()),
			from: (m.envelope?.from?.[0]?.address ?? '').toLowerCase(),
			inReplyTo: m.envelope?.inReplyTo ?? '',
			date: m.envelope?.date ? new Date(m.envelope.date) : new Date(0),
			internalDate: m.internalDate instanceof Date ? m.internalDate : new Date(String(m.internalDate ?? 0)),
		}));
	} finally {
		await client.logout().catch(() => client.close());
	}
}

/** Every message of several users' INBOXes. */
export async function storedIn(users: readonly string[]): Promise<Stored[]> {
	const all: Stored[] = [];
	for (const user of users) all.push(...(await storedMessages(user)));
	return all;
}

/** How many messages are waiting in the slot's Postfix queue (deferred deliveries included). */
export async function queuedMessages(): Promise<number> {
	const config = `${process.env.MAILSTACK_BASE ?? '/tmp/smtp-sequence-mailstack'}/postfix`;
	const { stdout } = await promisify(execFile)('postqueue', ['-c', config, '-j']).catch(() => ({ stdout: '' }));
	return stdout.split('\n').filter((line) => line.trim().startsWith('{')).length;
}

/** Asks Postfix to retry deferred deliveries now (after a Dovecot restart). */
export async function flushQueue(): Promise<void> {
	const config = `${process.env.MAILSTACK_BASE ?? '/tmp/smtp-sequence-mailstack'}/postfix`;
	await promisify(execFile)('postqueue', ['-c', config, '-f']).catch(() => undefined);
}

/** Waits until Postfix's queue is empty (every accepted message delivered or bounced), up to `withinMs`. */
export async function drained(withinMs = 120_000): Promise<boolean> {
	const deadline = Date.now() + withinMs;
	for (;;) {
		if ((await queuedMessages()) === 0) return true;
		if (Date.now() > deadline) return false;
		await new Promise((r) => setTimeout(r, 500));
	}
}

/** IMAP sessions Dovecot holds for the given users (`doveadm who`). */
export async function dovecotSessions(users: readonly string[]): Promise<number> {
	const out = await mailstack('doveadm', 'who', '-1').catch(() => '');
	const addresses = new Set(users.map(addressOf));
	return out.split('\n').filter((line) => addresses.has(line.split(/\s+/)[0] ?? '')).length;
}

/** TCP connections established to the slot's mail ports (`ss`): ours are the only clients of this slot. */
export async function establishedToStack(): Promise<number> {
	const ports = new Set([stack.imapPort, stack.imapsPort, stack.mxPort, stack.submissionPort, stack.smtpsPort]);
	const { stdout } = await promisify(execFile)('ss', ['-Htn', 'state', 'established']).catch(() => ({ stdout: '' }));
	let count = 0;
	for (const line of stdout.split('\n')) {
		// "Recv-Q Send-Q Local:Port Peer:Port" with state filtered out
		const peer = line.trim().split(/\s+/)[3];
		const port = Number(peer?.slice(peer.lastIndexOf(':') + 1));
		if (ports.has(port)) count++;
	}
	return count;
}

/**
 * Connections still open after a phase ended (every run finished or was killed, the trigger stopped):
 * Dovecot sessions of our users and TCP connections to the slot's ports, after up to `withinMs` for
 * closes in flight. A connection is counted once even if both views see it (the larger count).
 */
export async function leakedConnections(users: readonly string[], withinMs = 15_000): Promise<{ sessions: number; sockets: number; leaked: number }> {
	const deadline = Date.now() + withinMs;
	for (;;) {
		const sessions = await dovecotSessions(users);
		const sockets = await establishedToStack();
		if ((sessions === 0 && sockets === 0) || Date.now() > deadline) return { sessions, sockets, leaked: Math.max(sessions, sockets) };
		await new Promise((r) => setTimeout(r, 250));
	}
}
