/**
 * A TCP proxy on 127.0.0.1:0 in front of a real server, for faults that the server cannot be made to
 * produce itself: a connection reset or a silent server right after the final "." of SMTP DATA (the
 * server behind has the message; the client never hears so), a reset at RCPT, an IMAP server that stops
 * answering (a LOGOUT that never completes).
 *
 * SMTP faults need plain text: point it at the stack's MX port (no TLS; AUTH is offered there too).
 */
import net, { type Socket } from 'node:net';

/** What happens to SMTP transactions through the proxy. */
export type SmtpFault =
	/** forward the final "." to the server, then reset the client's connection (RST) */
	| 'reset-after-dot'
	/** forward the final "." and every later byte to the server, but nothing more to the client */
	| 'silence-after-dot'
	/** reset the client's connection instead of forwarding its RCPT TO */
	| 'reset-at-rcpt'
	/** close both sides at the first bytes of the message after 354, forwarding none of them (the server went away mid-DATA) */
	| 'close-in-data';

/** A proxy and its controls. */
export interface FaultProxy {
	port: number;
	/** Client connections open through the proxy now. */
	readonly open: number;
	/** Connections accepted so far. */
	readonly accepted: number;
	/** The fault for the next SMTP transactions; undefined forwards everything. */
	smtpFault: SmtpFault | undefined;
	/**
	 * IMAP commands the proxy answers itself with `BAD <text>` instead of forwarding (a server that does not
	 * understand them, e.g. Exchange Online's "BAD Command Argument Error. 11" to `UID SEARCH KEYWORD`).
	 */
	imapRefuse: { command: RegExp; text: string } | undefined;
	/** IMAP commands answered that way so far. */
	readonly imapRefused: number;
	/** IMAP capabilities taken out of the server's CAPABILITY lists (e.g. CONDSTORE and QRESYNC, which Exchange Online lacks). */
	imapHideCapabilities: readonly string[];
	/** Stop forwarding server → client on every connection, open and future (the server seems hung). */
	freeze(): void;
	/** Resets every open client connection. */
	resetAll(): void;
	close(): Promise<void>;
}

const FINAL_DOT = Buffer.from('\r\n.\r\n');

/** Starts a proxy to `target`. */
export async function faultProxy(target: { host: string; port: number }): Promise<FaultProxy> {
	const pairs = new Set<{ client: Socket; server: Socket }>();
	let frozen = false;
	let accepted = 0;
	let imapRefused = 0;
	const proxy: FaultProxy = {
		port: 0,
		get open() {
			return pairs.size;
		},
		get accepted() {
			return accepted;
		},
		get imapRefused() {
			return imapRefused;
		},
		smtpFault: undefined,
		imapRefuse: undefined,
		imapHideCapabilities: [],
		freeze: () => {
			frozen = true;
		},
		resetAll: () => {
			for (const { client } of pairs) client.resetAndDestroy();
		},
		close: () =>
			new Promise<void>((resolve) => {
				for (const { client, server } of pairs) {
					client.destroy();
					server.destroy();
				}
				listener.close(() => resolve());
			}),
	};

	const listener = net.createServer((client) => {
		accepted++;
		const server = net.connect(target.port, target.host);
		const pair = { client, server };
		pairs.add(pair);
		let inData = false;
		let tail = Buffer.alloc(0);
		let silenced = false;
		const end = () => {
			pairs.delete(pair);
			client.destroy();
			server.destroy();
		};
		client.on('error', end);
		server.on('error', end);
		client.on('close', () => {
			pairs.delete(pair);
			// after a fault the server side stays open until the server has answered (it queues the mail)
			if (!silenced) server.destroy();
			else setTimeout(() => server.destroy(), 5_000).unref();
		});
		server.on('close', () => {
			if (!silenced) end();
		});
		server.on('data', (received: Buffer) => {
			let chunk = received;
			if (/^354[ -]/m.test(chunk.toString('latin1'))) inData = true;
			const hidden = proxy.imapHideCapabilities;
			if (hidden.length > 0 && chunk.includes('CAPABILITY')) {
				let text = chunk.toString('latin1');
				for (const name of hidden) text = text.split(` ${name}`).map((part, i) => (i > 0 && /^[A-Za-z0-9=+-]/.test(part) ? ` ${name}${part}` : part)).join('');
				chunk = Buffer.from(text, 'latin1');
			}
			if (!frozen && !silenced && !client.destroyed) client.write(chunk);
		});
		client.on('data', (chunk: Buffer) => {
			const fault = proxy.smtpFault;
			if (fault === 'reset-at-rcpt' && /^RCPT TO:/im.test(chunk.toString('latin1'))) {
				client.resetAndDestroy();
				return;
			}
			const refuse = proxy.imapRefuse;
			// imapflow writes one whole command at a time and waits for its answer
			const line = refuse ? /^(\S+) (.*)\r\n$/s.exec(chunk.toString('latin1')) : null;
			if (refuse && line && refuse.command.test(line[2])) {
				imapRefused++;
				client.write(`${line[1]} BAD ${refuse.text}\r\n`);
				return;
			}
			if (fault === 'close-in-data' && inData) {
				end();
				return;
			}
			server.write(chunk);
			if (!inData) return;
			const window = Buffer.concat([tail, chunk]);
			tail = window.subarray(Math.max(0, window.length - FINAL_DOT.length + 1));
			if (!window.includes(FINAL_DOT)) return;
			inData = false;
			if (fault === 'reset-after-dot') {
				silenced = true;
				client.resetAndDestroy();
			} else if (fault === 'silence-after-dot') {
				silenced = true;
			}
		});
	});
	await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
	proxy.port = (listener.address() as net.AddressInfo).port;
	return proxy;
}
