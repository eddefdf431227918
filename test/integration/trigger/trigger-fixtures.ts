/**
 * Helpers for the IMAP Reply Trigger's integration tests: raw messages that answer (or bounce) sequence
 * emails, delivery through the real Postfix (MX port, no auth) or IMAP APPEND, and an in-memory state
 * store + emit collector for driving `ReplyTriggerEngine` directly.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { sequenceMessageId } from '../../../core/mail/message-id';
import { emptyTriggerState, readTriggerState, type TriggerState } from '../../../core/trigger/trigger-state';
import { createImapClient } from '../../../transport/imap-client';
import type { EmittedReply, TriggerStateStore } from '../../../transport/reply-trigger-engine';
import { addressOf, MAILSTACK_BASE, mailstack, settingsFor, stack } from '../../helpers/mailstack';

/** A unique tag for subjects and keys, so concurrent runs never confuse their messages. */
export function uniqueTag(): string {
	return `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
}

/** Our Message-ID for (key, prospect, step) on the stack's domain. */
export function ourId(sequenceKey: string, prospect: string, step: number): string {
	return sequenceMessageId(sequenceKey, prospect, step, stack.domain);
}

/** A plain reply (RFC 5322), CRLF line ends. */
export function replyRaw(options: {
	from: string;
	to: string;
	subject: string;
	inReplyTo?: string;
	references?: string[];
	body?: string;
	messageId?: string;
	cc?: string;
	extraHeaders?: string[];
}): string {
	const messageId = options.messageId ?? `<r.${uniqueTag()}@${options.from.split('@')[1] ?? 'example.test'}>`;
	const lines = [
		`From: ${options.from}`,
		`To: ${options.to}`,
		...(options.cc ? [`Cc: ${options.cc}`] : []),
		`Subject: ${options.subject}`,
		`Date: ${new Date().toUTCString()}`,
		`Message-ID: ${messageId}`,
		...(options.inReplyTo ? [`In-Reply-To: ${options.inReplyTo}`] : []),
		...(options.references?.length ? [`References: ${options.references.join(' ')}`] : []),
		...(options.extraHeaders ?? []),
		'MIME-Version: 1.0',
		'Content-Type: text/plain; charset=utf-8',
		'',
		options.body ?? 'Thanks, sounds interesting. Can we talk on Thursday?',
		'',
	];
	return lines.join('\r\n');
}

/** Delivers a raw message through Postfix's MX port (no auth) with the given envelope. */
export async function deliver(raw: string, envelope: { from: string; to: string }): Promise<void> {
	const transport = nodemailer.createTransport({ host: stack.host, port: stack.mxPort, secure: false, ignoreTLS: true });
	try {
		await transport.sendMail({ envelope, raw });
	} finally {
		transport.close();
	}
}

/** APPENDs a raw message to a user's folder, with flags and, when given, the INTERNALDATE it arrived at. */
export async function appendTo(user: string, folder: string, raw: string, flags: string[] = [], receivedAt?: Date): Promise<void> {
	const client = createImapClient(settingsFor(user));
	client.on('error', () => undefined);
	await client.connect();
	try {
		await client.append(folder, raw, flags, receivedAt);
	} finally {
		await client.logout();
	}
}

/** The maildir file of the message in `folder` whose content contains `marker` (the stack keeps maildirs). */
export function maildirFileOf(user: string, folder: string, marker: string): string {
	const root = path.join(MAILSTACK_BASE, 'mail', stack.domain, user, 'Maildir');
	const dir = folder === 'INBOX' ? root : path.join(root, `.${folder.replace(/\//g, '.')}`);
	for (const sub of ['cur', 'new']) {
		for (const name of readdirSync(path.join(dir, sub))) {
			const file = path.join(dir, sub, name);
			if (readFileSync(file).includes(marker)) return file;
		}
	}
	throw new Error(`no message containing "${marker}" in ${user}'s ${folder}`);
}

/** In-memory state store that keeps a JSON copy, as static data does between restarts. */
export class MemoryStore implements TriggerStateStore {
	saved: unknown;
	saves = 0;
	constructor(initial?: TriggerState) {
		this.saved = JSON.parse(JSON.stringify(initial ?? emptyTriggerState()));
	}
	load(): TriggerState {
		return readTriggerState(JSON.parse(JSON.stringify(this.saved)));
	}
	save(state: TriggerState): void {
		this.saves++;
		this.saved = JSON.parse(JSON.stringify(state));
	}
}

/** Collects emitted items; `waitFor` resolves once the predicate holds. */
export class Collector {
	readonly items: EmittedReply[] = [];
	readonly batches: EmittedReply[][] = [];
	private waiters: (() => void)[] = [];

	readonly emit = (items: EmittedReply[]): void => {
		this.batches.push(items);
		this.items.push(...items);
		for (const waiter of this.waiters) waiter();
	};

	/** Items whose subject contains `tag`. */
	tagged(tag: string): EmittedReply[] {
		return this.items.filter((i) => String(i.json.subject).includes(tag));
	}

	async waitFor(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
		if (predicate()) return;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => reject(new Error(`condition not met within ${timeoutMs} ms; got ${this.items.length} items`)), timeoutMs);
			const check = () => {
				if (predicate()) {
					clearTimeout(timer);
					this.waiters = this.waiters.filter((w) => w !== check);
					resolve();
				}
			};
			this.waiters.push(check);
		});
	}
}

/** Number of IMAP connections the server holds for a user (doveadm who). */
export async function connectionsOf(user: string): Promise<number> {
	const out = await mailstack('doveadm', 'who', '-1', addressOf(user)).catch(() => '');
	return out.split('\n').filter((line) => line.includes(addressOf(user)) && /\bimap\b/.test(line)).length;
}

/** Polls until `check` returns true (for server-side effects with no event to wait on). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000, stepMs = 100): Promise<void> {
	const until = Date.now() + timeoutMs;
	while (Date.now() < until) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, stepMs));
	}
	throw new Error(`condition not met within ${timeoutMs} ms`);
}

/** Sleeps; only used to let something NOT happen (asserting absence), never to time a rule. */
export function settle(ms: number): Promise<void> {
	return new Promise((r) => setTimeout(r, ms));
}
