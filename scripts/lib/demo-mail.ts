/**
 * The mailbox side of the demo: the local Postfix + Dovecot, the demo users' mailboxes, the prospect
 * who answers from their own mailbox, and what each prospect actually received.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { createImapClient } from '../../transport/imap-client';
import { createSmtpTransport } from '../../transport/smtp-client';
import { MAILSTACK_SCRIPT, addressOf, credentialFor, resetMailboxes, settingsFor } from '../../test/helpers/mailstack';

/** The sender and the prospects' mailboxes the demo owns (reset at every start). */
export const DEMO_USERS = ['demo', 'prospect1', 'prospect2', 'prospect3'] as const;
export const SENDER = addressOf('demo');
/** No such user on the local stack: Postfix accepts the mail, delivery fails, a real DSN comes back. */
export const BOUNCING = addressOf('nobody');

/** One message as the prospect's INBOX holds it. */
export interface ReceivedMessage {
	uid: number;
	from: string;
	subject: string;
	date: Date | undefined;
	messageId: string;
	inReplyTo: string;
}

/** Starts the stack unless it runs (the script installs Postfix + Dovecot from Debian when missing). */
export async function ensureMailStack(log: (line: string) => void): Promise<'running' | 'started'> {
	try {
		await promisify(execFile)('bash', [MAILSTACK_SCRIPT, 'status']);
		return 'running';
	} catch {
		log('mail stack: starting Postfix + Dovecot (installs the Debian packages if missing; needs root)');
	}
	await new Promise<void>((resolve, reject) => {
		const child = spawn('bash', [MAILSTACK_SCRIPT, 'start'], { stdio: ['ignore', 'inherit', 'inherit'] });
		child.once('error', reject);
		child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`mailstack.sh start exited with ${code}; run it as root on Debian/Ubuntu`))));
	});
	return 'started';
}

/** Empties every folder of the demo's mailboxes. */
export async function resetDemoMailboxes(): Promise<void> {
	await resetMailboxes(...DEMO_USERS);
}

/** Outreach Mailbox credential data for the sender: implicit TLS on both sides, the stack's CA trusted. */
export function senderCredential(): Record<string, unknown> {
	return { ...credentialFor('demo'), senderName: 'Demo Sender' };
}

/** The messages in a user's INBOX, oldest first (read-only: EXAMINE). */
export async function inbox(user: string): Promise<ReceivedMessage[]> {
	const client = createImapClient(settingsFor(user));
	await client.connect();
	try {
		const mailbox = await client.mailboxOpen('INBOX', { readOnly: true });
		if (mailbox.exists === 0) return [];
		const messages: ReceivedMessage[] = [];
		for await (const msg of client.fetch('1:*', { uid: true, envelope: true })) {
			const env = msg.envelope;
			messages.push({
				uid: msg.uid,
				from: env?.from?.[0]?.address?.toLowerCase() ?? '',
				subject: env?.subject ?? '',
				date: env?.date ? new Date(env.date) : undefined,
				messageId: env?.messageId ?? '',
				inReplyTo: env?.inReplyTo ?? '',
			});
		}
		return messages.sort((a, b) => a.uid - b.uid);
	} finally {
		await client.logout().catch(() => undefined);
	}
}

/** The sequence's messages in a prospect's INBOX (sent by the demo sender), oldest first. */
export async function receivedFromSender(user: string): Promise<ReceivedMessage[]> {
	return (await inbox(user)).filter((m) => m.from === SENDER);
}

/** Polls until `user` has at least `count` messages from the sender. */
export async function waitForReceived(user: string, count: number, timeoutMs: number): Promise<ReceivedMessage[]> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const got = await receivedFromSender(user);
		if (got.length >= count) return got;
		if (Date.now() > deadline) throw new Error(`${addressOf(user)} has ${got.length} message(s) from ${SENDER} after ${timeoutMs / 1000} s, expected ${count}`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

/**
 * The prospect answers like a person would: from their own mailbox, over SMTP submission (STARTTLS +
 * AUTH on the stack), in the thread of the email they got. Returns the reply's Message-ID.
 */
export async function replyAsProspect(user: string, to: ReceivedMessage, name: string, text: string): Promise<string> {
	const transport = createSmtpTransport(settingsFor(user, { smtp: 'starttls' }));
	try {
		const subject = /^re:/i.test(to.subject) ? to.subject : `Re: ${to.subject}`;
		const quoted = `On ${(to.date ?? new Date()).toUTCString()}, Demo Sender <${SENDER}> wrote:\n> (the email above)`;
		const info = await transport.sendMail({
			from: { name, address: addressOf(user) },
			to: SENDER,
			subject,
			inReplyTo: to.messageId,
			references: [to.messageId],
			text: `${text}\n\n${quoted}\n`,
		});
		return info.messageId;
	} finally {
		transport.close();
	}
}
