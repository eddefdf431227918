/**
 * Probe (docs/benchmarks.md, "What the aged folders cost the server"): what an open of a folder costs
 * Dovecot, without our client in the way. Each sample: new plain IMAP connection, LOGIN, optional ENABLE,
 * then EXAMINE (or `CMD=SELECT`) of each folder, timed from the command to its tagged OK, with Dovecot's
 * own timing from the OK line. Before each sample, optionally, new mail arrives (20 in INBOX, 5 in Sent):
 * `ARRIVE=maildir` writes files into the maildir as `bench:scale` does, `ARRIVE=save` goes through
 * Dovecot's own save code (`doveadm save`, the path of LMTP delivery and APPEND; the only way into an
 * mdbox user); then `GAP_MS` (default 3000) passes.
 *
 *   eval "$(bash test/mailstack/slot-env.sh 3)"
 *   ARRIVE=maildir ENABLE=QRESYNC npx tsx bench/lib/examine-probe.ts bench-aged INBOX,Sent 5
 */
import './env';
import net from 'node:net';
import { addressOf, mailstack, stack } from '../../test/helpers/mailstack';
import { NEW_MAIL_TAG, arriveNewMail } from './scale-mailboxes';
import { median } from './stats';

const [user = 'bench-aged', folderList = 'INBOX,Sent', samples = '5'] = process.argv.slice(2);
const ENABLE = process.env.ENABLE ?? 'none';
const CMD = process.env.CMD === 'SELECT' ? 'SELECT' : 'EXAMINE';
const ARRIVE = process.env.ARRIVE ?? 'none';
const GAP_MS = Number(process.env.GAP_MS ?? 3000);

interface Session {
	command(text: string): Promise<{ ms: number; reply: string }>;
	end(): void;
}

async function open(): Promise<Session> {
	const socket = net.connect(stack.imapPort, stack.host);
	let buffer = '';
	let check: (() => void) | undefined;
	socket.on('data', (chunk: Buffer) => {
		buffer += chunk.toString('latin1');
		check?.();
	});
	// lines are short status replies (EXAMINE/SELECT/LOGIN output only), bounded by the server
	const until = (done: (text: string) => boolean) =>
		new Promise<string>((resolve) => {
			check = () => {
				if (!done(buffer)) return;
				check = undefined;
				const out = buffer;
				buffer = '';
				resolve(out);
			};
			check();
		});
	await until((text) => text.includes('\r\n'));
	let tag = 0;
	return {
		async command(text) {
			const t = `p${++tag}`;
			const started = process.hrtime.bigint();
			socket.write(`${t} ${text}\r\n`);
			const reply = await until((out) => out.startsWith(`${t} `) || out.includes(`\r\n${t} `));
			return { ms: Number(process.hrtime.bigint() - started) / 1e6, reply };
		},
		end: () => socket.end(),
	};
}

/** New mail (`arriveNewMail`), then GAP_MS for the open to come after it. */
async function arrive(): Promise<void> {
	await arriveNewMail(user, ARRIVE === 'save' ? 'save' : 'maildir');
	await new Promise((resolve) => setTimeout(resolve, GAP_MS));
}

async function main(): Promise<void> {
	const folders = folderList.split(',');
	const client: Record<string, number[]> = {};
	const server: Record<string, string[]> = {};
	try {
		for (let i = 0; i < Number(samples); i++) {
			if (ARRIVE !== 'none') await arrive();
			const session = await open();
			const login = await session.command(`LOGIN ${addressOf(user)} ${stack.password}`);
			if (!/^p1 OK/m.test(login.reply)) throw new Error('LOGIN failed');
			if (ENABLE !== 'none') await session.command(`ENABLE ${ENABLE}`);
			for (const folder of folders) {
				const { ms, reply } = await session.command(`${CMD} ${folder}`);
				(client[folder] ??= []).push(ms);
				(server[folder] ??= []).push(/\(([0-9.]+) \+ [0-9.]+ \+ [0-9.]+ secs\)/.exec(reply)?.[1] ?? '?');
			}
			await session.command('LOGOUT');
			session.end();
		}
	} finally {
		if (ARRIVE !== 'none') for (const folder of ['INBOX', 'Sent']) await mailstack('doveadm', 'expunge', '-u', addressOf(user), 'mailbox', folder, 'subject', NEW_MAIL_TAG);
	}
	for (const folder of folders)
		console.log(`${user} ARRIVE=${ARRIVE} ENABLE=${ENABLE} ${CMD} ${folder}: ${client[folder].map((ms) => Math.round(ms)).join(' / ')} ms → median ${Math.round(median(client[folder]))} ms (Dovecot: ${server[folder].join(' / ')} s)`);
}

main().catch((error: unknown) => {
	console.error(error);
	process.exit(1);
});
