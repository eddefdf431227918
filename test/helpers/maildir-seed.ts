/**
 * Builds large mailboxes fast, for the scale tests and `npm run bench:scale`: messages are written
 * straight into the user's maildir (one file each) together with a `dovecot-uidlist` that numbers them
 * in the order given — so UIDs follow arrival order, as in a real mailbox — and a `dovecot-keywords`
 * file for custom keywords. Then Dovecot indexes each folder once. 100,000 messages take seconds, where
 * SMTP or APPEND would take many minutes.
 *
 * The user's whole mail directory is replaced: the user's connections are kicked first, and the
 * folders are created fresh (UIDVALIDITY from `uidValidity`).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, renameSync, rmSync, utimesSync, writeSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { MAILSTACK_BASE, addressOf, mailstack } from './mailstack';

/** One message to write. */
export interface SeedMessage {
	/** The raw message (CRLF line ends). */
	raw: string;
	/** Delivery time: the file's mtime, which Dovecot reports as INTERNALDATE. */
	receivedAt: Date;
	/** Custom keywords (e.g. `$SeqClaim`). */
	keywords?: readonly string[];
}

/** Where a stack user's mail lives (`mail_location = maildir:~/Maildir`, home `mail/<domain>/<local>`). */
export function maildirHome(user: string): string {
	const [local, domain] = addressOf(user).split('@');
	return path.join(MAILSTACK_BASE, 'mail', domain, local);
}

function folderDir(user: string, folder: string): string {
	const root = path.join(maildirHome(user), 'Maildir');
	return folder === 'INBOX' ? root : path.join(root, `.${folder.replace(/\//g, '.')}`);
}

/** Maildir flag letters for keywords: Dovecot maps index n of `dovecot-keywords` to 'a' + n. */
function keywordLetters(keywords: readonly string[] | undefined, index: Map<string, number>): string {
	if (!keywords?.length) return '';
	return keywords
		.map((k) => {
			let n = index.get(k);
			if (n === undefined) index.set(k, (n = index.size));
			if (n >= 26) throw new Error('at most 26 keywords per maildir folder');
			return String.fromCharCode(97 + n);
		})
		.sort()
		.join('');
}

/** Writes one folder; returns how many messages it holds. */
function writeFolder(dir: string, messages: Iterable<SeedMessage>, uidValidity: number): number {
	for (const sub of ['cur', 'new', 'tmp']) mkdirSync(path.join(dir, sub), { recursive: true });
	const keywords = new Map<string, number>();
	const uidlist: string[] = [];
	let uid = 0;
	for (const message of messages) {
		uid++;
		const seconds = Math.floor(message.receivedAt.getTime() / 1000);
		const base = `${seconds}.M${uid}P1.seed,S=${Buffer.byteLength(message.raw)}`;
		const file = path.join(dir, 'cur', `${base}:2,S${keywordLetters(message.keywords, keywords)}`);
		// INTERNALDATE of a maildir message is its file's mtime
		const fd = openSync(file, 'w');
		writeSync(fd, message.raw);
		closeSync(fd);
		utimesSync(file, seconds, seconds);
		uidlist.push(`${uid} :${base}`);
	}
	const guid = randomBytes(16).toString('hex');
	const header = `3 V${uidValidity} N${uid + 1} G${guid}`;
	const fd = openSync(path.join(dir, 'dovecot-uidlist'), 'w');
	writeSync(fd, `${header}\n${uidlist.join('\n')}${uidlist.length ? '\n' : ''}`);
	closeSync(fd);
	if (keywords.size > 0) {
		const lines = [...keywords].map(([name, n]) => `${n} ${name}`).join('\n');
		const kfd = openSync(path.join(dir, 'dovecot-keywords'), 'w');
		writeSync(kfd, `${lines}\n`);
		closeSync(kfd);
	}
	if (dir.includes(`${path.sep}.`)) closeSync(openSync(path.join(dir, 'maildirfolder'), 'w'));
	return uid;
}

/**
 * Replaces `user`'s mail with `folders` (folder name → messages in arrival order; INBOX, Sent, Junk …).
 * Folders not named are created empty by Dovecot on first login (they are `auto = subscribe`).
 */
export async function seedMailbox(user: string, folders: Record<string, Iterable<SeedMessage>>, uidValidity = Math.floor(Date.now() / 1000)): Promise<Record<string, number>> {
	const address = addressOf(user);
	await mailstack('doveadm', 'kick', address).catch(() => undefined);
	const home = maildirHome(user);
	rmSync(home, { recursive: true, force: true });
	const counts: Record<string, number> = {};
	for (const [folder, messages] of Object.entries(folders)) counts[folder] = writeFolder(folderDir(user, folder), messages, uidValidity);
	// the domain directory too: when this created it, Dovecot (as vmail) must still create other users' homes in it
	await promisify(execFile)('chown', ['vmail:vmail', path.dirname(home)]);
	await promisify(execFile)('chown', ['-R', 'vmail:vmail', home]);
	for (const folder of Object.keys(folders)) {
		// builds the index once, so the first IMAP session does not pay for it
		await mailstack('doveadm', 'mailbox', 'status', '-u', address, 'messages uidnext', folder);
	}
	return counts;
}

/**
 * Delivers `messages` into an existing folder of `user` the way an MTA does (tmp/ then new/): Dovecot
 * gives them the next UIDs when it next looks. For "mail that arrived since the last run".
 */
export async function deliverToMaildir(user: string, folder: string, messages: readonly SeedMessage[]): Promise<void> {
	const dir = folderDir(user, folder);
	for (const [i, message] of messages.entries()) {
		const seconds = Math.floor(message.receivedAt.getTime() / 1000);
		const name = `${seconds}.M${process.pid}${Date.now()}${i}P${process.pid}.new,S=${Buffer.byteLength(message.raw)}`;
		const fd = openSync(path.join(dir, 'tmp', name), 'w');
		writeSync(fd, message.raw);
		closeSync(fd);
		utimesSync(path.join(dir, 'tmp', name), seconds, seconds);
		renameSync(path.join(dir, 'tmp', name), path.join(dir, 'new', name));
	}
	await promisify(execFile)('chown', ['-R', 'vmail:vmail', path.join(dir, 'new')]);
}
