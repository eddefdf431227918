/**
 * Counting connections: this process's TCP sockets to a port (from /proc, Linux), and the IMAP sessions
 * Dovecot has open for a user (`doveadm who`). Tests use them to show that every path closes its sockets.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mailstack, addressOf } from './mailstack';

/** Inodes of the sockets this process holds open. */
function ownSocketInodes(): Set<string> {
	const inodes = new Set<string>();
	for (const fd of readdirSync('/proc/self/fd')) {
		try {
			const link = readlinkSync(`/proc/self/fd/${fd}`);
			const match = /^socket:\[(\d+)\]$/.exec(link);
			if (match) inodes.add(match[1]);
		} catch {
			// the descriptor closed while we listed them
		}
	}
	return inodes;
}

/** How many of this process's TCP sockets are connected to `port` on the loopback (any state but closed). */
export function ownSocketsTo(port: number): number {
	const inodes = ownSocketInodes();
	let count = 0;
	for (const table of ['/proc/self/net/tcp', '/proc/self/net/tcp6']) {
		let lines: string[];
		try {
			lines = readFileSync(table, 'utf8').split('\n').slice(1);
		} catch {
			continue;
		}
		for (const line of lines) {
			// "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode"
			const fields = line.trim().split(/\s+/);
			if (fields.length < 10) continue;
			const remotePort = parseInt(fields[2].split(':')[1] ?? '', 16);
			const state = fields[3];
			// 07 = CLOSE, 0A = LISTEN
			if (remotePort === port && state !== '07' && state !== '0A' && inodes.has(fields[9])) count++;
		}
	}
	return count;
}

/** IMAP sessions Dovecot has logged in for `user` now. */
export async function dovecotSessions(user: string): Promise<number> {
	const out = await mailstack('doveadm', 'who', '-1', addressOf(user));
	return out.split('\n').filter((line) => line.startsWith(addressOf(user))).length;
}

/** Waits until `count()` is 0 (sockets close asynchronously); resolves with the last count seen. */
export async function settlesToZero(count: () => number | Promise<number>, withinMs = 5_000): Promise<number> {
	const deadline = Date.now() + withinMs;
	for (;;) {
		const now = await count();
		if (now === 0 || Date.now() > deadline) return now;
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}
