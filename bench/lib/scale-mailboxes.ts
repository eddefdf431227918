/**
 * The mailboxes of `npm run bench:scale` (issue #10), written as maildir files (`maildir-seed.ts`) and
 * reused across runs when already built with the same shape (a stamp file in the user's home).
 *
 * One sequence ran for 120 days: 5,000 prospects, steps 1–3 three days apart, every prospect's step 1
 * within the first 60 days; 2,000 of them answered after step 3 (replies, replies that break the thread,
 * auto-replies, bounces). Step 4 is due for the others. The run's prospects are every tenth one (500).
 *
 * - aged (`bench-aged`): Sent 60,000 = the sequence's 15,000 + 10,000 of another sequence + 35,000
 *   everyday; INBOX 32,000 = 30,000 everyday (one in 40 with a 150 KB attachment) + the 2,000 answers;
 *   Junk 5,000.
 * - fresh (`bench-fresh`): only the 500 run prospects' history (1,500 copies, their 200 answers).
 * - fresh10k (`bench-fresh10k`): only the sequence's history (15,000 copies, 2,000 answers) — the
 *   fresh counterpart of a Preview of 10,000 prospects (the 5,000 + 5,000 not started).
 * - 100k (`bench-100k`): 100,000 copies of one sequence in Sent (25,000 prospects × 4 steps) and
 *   100,000 inbound messages since its first send.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { closeImap, connectImap } from '../../transport/imap-client';
import { addressOf, MAILSTACK_BASE, settingsFor } from '../../test/helpers/mailstack';
import { deliverToMaildir, maildirHome, seedMailbox, type SeedMessage } from '../../test/helpers/maildir-seed';
import { answer, everydayInbound, everydaySent, sequenceCopy, spam, type AnswerKind } from '../../test/helpers/scale-mail';

export const SEQUENCE_KEY = 'bench-scale';
const OTHER_SEQUENCE_KEY = 'bench-scale-other';
export const SUBJECT = 'Quick question about your sales team';
export const PROSPECTS = 5_000;
export const STEP_GAP_DAYS = 3;
const DAY = 24 * 60 * 60 * 1000;

/** Prospect i's address. */
export function prospect(i: number): string {
	return `lead${i}@client${i % 300}.test`;
}

/** The run's prospects: every tenth. */
export function runProspects(count = 500): number[] {
	return Array.from({ length: count }, (_, k) => k * 10);
}

/** The answer prospect i gave after step 3, if any (2,000 of the 5,000, picked by a hash). */
export function answerOf(i: number): AnswerKind | undefined {
	if (!answering().has(i)) return undefined;
	const h = mix(i);
	const kinds: AnswerKind[] = ['reply', 'reply', 'reply', 'reply', 'reply', 'autoReply', 'autoReply', 'bounce', 'bounce', 'threadBreakingReply'];
	return kinds[(h >>> 8) % 10];
}

/** Prospects that answer. */
export const ANSWERS = 2_000;
let answered: Set<number> | undefined;

function answering(): Set<number> {
	answered ??= new Set(range(PROSPECTS).sort((a, b) => mix(a) - mix(b)).slice(0, ANSWERS));
	return answered;
}

/** A 32-bit integer hash (murmur3's finaliser): picks answers independently of the run's every-tenth choice. */
function mix(i: number): number {
	let x = (i + 0x9e3779b9) >>> 0;
	x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
	x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
	return (x ^ (x >>> 16)) >>> 0;
}

interface Timed {
	at: number;
	make: () => SeedMessage;
}

function ordered(items: Timed[]): Iterable<SeedMessage> {
	items.sort((a, b) => a.at - b.at);
	return (function* () {
		for (const item of items) yield item.make();
	})();
}

/** Spreads `count` items evenly over [from, to). */
function spread(count: number, from: number, to: number, make: (i: number, at: Date) => SeedMessage): Timed[] {
	const step = (to - from) / count;
	return Array.from({ length: count }, (_, i) => {
		const at = Math.floor(from + i * step + ((i * 7919) % 1000) * 10);
		return { at, make: () => make(i, new Date(at)) };
	});
}

/** Sequence copies and answers of the given prospects, on the shared timeline. */
function sequenceHistory(sender: string, indices: Iterable<number>, start: number): { sent: Timed[]; answers: Timed[] } {
	const sent: Timed[] = [];
	const answers: Timed[] = [];
	const firstSpan = 60 * DAY;
	for (const i of indices) {
		const first = start + Math.floor((i * firstSpan) / PROSPECTS);
		for (let step = 1; step <= 3; step++) {
			const at = first + (step - 1) * STEP_GAP_DAYS * DAY;
			sent.push({ at, make: () => sequenceCopy({ sequenceKey: SEQUENCE_KEY, sender, prospect: prospect(i), step, sentAt: new Date(at), subject: SUBJECT }) });
		}
		const kind = answerOf(i);
		if (kind) {
			const at = first + 2 * STEP_GAP_DAYS * DAY + (kind === 'bounce' ? 60_000 : DAY);
			answers.push({ at, make: () => answer(kind, { sequenceKey: SEQUENCE_KEY, sender, prospect: prospect(i), step: 3, subject: SUBJECT, receivedAt: new Date(at) }) });
		}
	}
	return { sent, answers };
}

function range(count: number): number[] {
	return Array.from({ length: count }, (_, i) => i);
}

/** A mailbox shape: its user and how to build its folders relative to `now`. */
export interface Shape {
	user: string;
	/** Changes when the shape changes, so a stale build is rebuilt. */
	stamp: string;
	build(now: number): Record<string, Iterable<SeedMessage>>;
}

const SHAPE_VERSION = 2;

export const AGED: Shape = {
	user: 'bench-aged',
	stamp: `aged-v${SHAPE_VERSION}`,
	build(now) {
		const me = addressOf(this.user);
		const start = now - 120 * DAY;
		const { sent, answers } = sequenceHistory(me, range(PROSPECTS), start);
		const other = spread(10_000, start, now - DAY, (i, at) =>
			sequenceCopy({ sequenceKey: OTHER_SEQUENCE_KEY, sender: me, prospect: `other${i >> 1}@elsewhere${i % 50}.test`, step: (i % 2) + 1, sentAt: at, subject: 'Partnership' }),
		);
		const everyday = spread(35_000, start, now - DAY, (i, at) => everydaySent(i, me, at));
		return {
			Sent: ordered([...sent, ...other, ...everyday]),
			INBOX: ordered([...answers, ...spread(30_000, start, now - 60_000, (i, at) => everydayInbound(i, me, at))]),
			Junk: ordered(spread(5_000, start, now - 60_000, (i, at) => spam(i, me, at))),
		};
	},
};

export const FRESH: Shape = {
	user: 'bench-fresh',
	stamp: `fresh-v${SHAPE_VERSION}`,
	build(now) {
		const { sent, answers } = sequenceHistory(addressOf(this.user), runProspects(), now - 120 * DAY);
		return { Sent: ordered(sent), INBOX: ordered(answers) };
	},
};

export const FRESH_10K: Shape = {
	user: 'bench-fresh10k',
	stamp: `fresh10k-v${SHAPE_VERSION}`,
	build(now) {
		const { sent, answers } = sequenceHistory(addressOf(this.user), range(PROSPECTS), now - 120 * DAY);
		return { Sent: ordered(sent), INBOX: ordered(answers) };
	},
};

/** Copies in the 100k mailbox's Sent, and inbound messages in its INBOX. */
export const HUNDRED_K = 100_000;

export const MAILBOX_100K: Shape = {
	user: 'bench-100k',
	stamp: `100k-v${SHAPE_VERSION}`,
	build(now) {
		const me = addressOf(this.user);
		const start = now - 120 * DAY;
		const prospects = HUNDRED_K / 4;
		const sent: Timed[] = [];
		for (let i = 0; i < prospects; i++) {
			const first = start + Math.floor((i * 60 * DAY) / prospects);
			for (let step = 1; step <= 4; step++) {
				const at = first + (step - 1) * STEP_GAP_DAYS * DAY;
				sent.push({ at, make: () => sequenceCopy({ sequenceKey: SEQUENCE_KEY, sender: me, prospect: prospect(i), step, sentAt: new Date(at), subject: SUBJECT }) });
			}
		}
		return {
			Sent: ordered(sent),
			INBOX: ordered(spread(HUNDRED_K, start, now - 60_000, (i, at) => everydayInbound(i, me, at, 1_000_000))),
		};
	},
};

/** What a built mailbox's stamp file says: the shape's stamp and the build's time (the timeline's `now`). */
interface Stamp {
	stamp: string;
	builtAt: number;
}

function stampFile(user: string): string {
	return path.join(maildirHome(user), 'bench-stamp.json');
}

function readStamp(user: string): Stamp | undefined {
	const file = stampFile(user);
	return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Stamp) : undefined;
}

/**
 * Builds the shape's mailbox unless it was built before with the same stamp (within `maxAgeDays`, since
 * the timeline is relative to the build: after a while "step 4 due" and "since the first send" drift).
 * Returns the build time (the timeline's `now`) and whether it was reused.
 */
export async function ensureMailbox(shape: Shape, log: (message: string) => void, maxAgeDays = 7): Promise<{ builtAt: number; reused: boolean }> {
	const saved = readStamp(shape.user);
	if (saved && saved.stamp === shape.stamp && Date.now() - saved.builtAt < maxAgeDays * DAY) return { builtAt: saved.builtAt, reused: true };
	const builtAt = Date.now();
	const started = Date.now();
	const counts = await seedMailbox(shape.user, shape.build(builtAt));
	writeFileSync(stampFile(shape.user), JSON.stringify({ stamp: shape.stamp, builtAt, counts }));
	log(`built ${shape.user} (${Object.entries(counts).map(([f, n]) => `${f} ${n}`).join(', ')}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return { builtAt, reused: false };
}

/**
 * A copy of a shape's mailbox in Dovecot's **mdbox** storage (a few large files, no file per message),
 * served to its own user (`MDBOX_USERS` in `test/mailstack/mailstack.sh`: `userdb_mail=mdbox:~/mdbox`).
 * The same messages, UIDs and UIDVALIDITY as the source. New mail reaches it only through Dovecot
 * (`arriveNewMail` with `save` or `deliver`).
 */
export interface MdboxCopy {
	user: string;
	source: Shape;
}

export const AGED_MDBOX: MdboxCopy = { user: 'bench-aged-mdbox', source: AGED };
export const FRESH_MDBOX: MdboxCopy = { user: 'bench-fresh-mdbox', source: FRESH };

/**
 * Builds `copy` from its source mailbox (built first if needed) by `doveadm backup` into the copy's home,
 * unless it already holds the source's current build. Returns whether it was reused.
 */
export async function ensureMdboxCopy(copy: MdboxCopy, log: (message: string) => void): Promise<{ reused: boolean }> {
	const source = await ensureMailbox(copy.source, log);
	const home = maildirHome(copy.user);
	const want: Stamp = { stamp: copy.source.stamp, builtAt: source.builtAt };
	const saved = readStamp(copy.user);
	if (saved && saved.stamp === want.stamp && saved.builtAt === want.builtAt) return { reused: true };
	const started = Date.now();
	rmSync(home, { recursive: true, force: true });
	mkdirSync(home, { recursive: true });
	execFileSync('chown', ['vmail:vmail', home]);
	const conf = path.join(MAILSTACK_BASE, 'dovecot', 'dovecot.conf');
	// one-way sync of the source user's mailbox into an mdbox location in the copy's home (runs as vmail)
	execFileSync('doveadm', ['-c', conf, 'backup', '-u', addressOf(copy.source.user), `mdbox:${path.join(home, 'mdbox')}`]);
	execFileSync('chown', ['-R', 'vmail:vmail', home]);
	writeFileSync(stampFile(copy.user), JSON.stringify(want));
	log(`built ${copy.user} (mdbox copy of ${copy.source.user}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
	return { reused: false };
}

/** How `arriveNewMail` brings new mail (see there). */
export type Arrival = 'maildir' | 'save' | 'deliver' | 'read';

/** An `Arrival` named by an environment variable, or `fallback` when it names none. */
export function arrivalFrom(value: string | undefined, fallback: Arrival): Arrival {
	return value === 'maildir' || value === 'save' || value === 'deliver' || value === 'read' ? value : fallback;
}

/** Subject marker of the mail the benches add between measured runs (they expunge it by this at the end). */
export const NEW_MAIL_TAG = 'bench-scale-new';

let newMail = 0;

/**
 * Mail that arrived since the last run: 20 everyday messages in INBOX and 5 in Sent, their subjects
 * tagged {@link NEW_MAIL_TAG}. `maildir` writes them as files into the user's maildir (fast; what
 * bench:scale does); `save` goes through Dovecot's own save code (`doveadm save`, the path of LMTP delivery
 * and IMAP APPEND; the only way into a user whose storage is not maildir); `deliver` is how mail really
 * arrives: INBOX by `doveadm save` (LMTP's path, no flags), Sent by IMAP APPEND with `\Seen` (how a mail
 * client, or a run's claim, files a sent message); `read` is `deliver`, then the user's mail client opens
 * INBOX read-write (SELECT), as a phone or webmail does when the user looks at the mail — on maildir that
 * is what moves delivered files from `new/` into `cur/` (the ledger itself only EXAMINEs INBOX).
 */
export async function arriveNewMail(user: string, via: Arrival = 'maildir'): Promise<void> {
	const me = addressOf(user);
	const now = new Date();
	const tag = (m: { raw: string; receivedAt: Date }) => ({ ...m, raw: m.raw.replace(/^Subject: /m, `Subject: ${NEW_MAIL_TAG} `) });
	const inbound = Array.from({ length: 20 }, (_, i) => tag(everydayInbound(900_000 + newMail + i, me, now)));
	const sent = Array.from({ length: 5 }, (_, i) => tag(everydaySent(900_000 + newMail + i, me, now)));
	newMail += 20;
	if (via === 'maildir') {
		await deliverToMaildir(user, 'INBOX', inbound);
		await deliverToMaildir(user, 'Sent', sent);
		return;
	}
	const conf = path.join(MAILSTACK_BASE, 'dovecot', 'dovecot.conf');
	const save = (folder: string, list: typeof inbound) => {
		for (const m of list) execFileSync('doveadm', ['-c', conf, 'save', '-u', me, '-m', folder], { input: m.raw });
	};
	save('INBOX', inbound);
	if (via === 'save') {
		save('Sent', sent);
		return;
	}
	const client = await connectImap(settingsFor(user));
	try {
		for (const m of sent) await client.append('Sent', m.raw, ['\\Seen'], m.receivedAt);
		if (via === 'read') await client.mailboxOpen('INBOX');
	} finally {
		await closeImap(client);
	}
}
