/**
 * A TCP proxy in front of the real Postfix that can make one SMTP outcome unknown: it forwards
 * everything, but once a connection has carried its N-th message body, the server's answers on that
 * connection are no longer passed back. Postfix receives the whole message and queues it (the prospect
 * gets it); the client never hears the `250` — what a content filter that answers after minutes, or a
 * connection lost right after DATA, looks like from the sending side. Fault injection in addition to the
 * real stack, never instead of it.
 *
 * The proxy cannot read SMTP inside TLS. It recognises a message body by size: the client's TLS
 * application-data records (content type 23, RFC 8446 §5.1) carry SMTP commands of a few dozen bytes,
 * and the message itself (headers alone are several hundred bytes) in larger ones.
 *
 *   const proxy = await SmtpHoldProxy.start(stack.smtpsPort);
 *   const held = proxy.holdAfterBodies(3);    // the 4th message body's answer never arrives
 *   ... credential with smtpPort: proxy.port ...
 *   await held;                               // resolves once that body went through to Postfix
 */
import * as net from 'node:net';

/** A client record at least this large carries message data, not an SMTP command. */
const BODY_RECORD_MIN = 300;
const TLS_APPLICATION_DATA = 23;
const TLS_RECORD_HEADER = 5;

export interface HeldSend {
	/** When the body record passed to Postfix. */
	at: Date;
	/** Number of the proxied connection (1 for the first one accepted). */
	connection: number;
}

export class SmtpHoldProxy {
	private bodies = 0;
	private armed: { after: number; resolve: (held: HeldSend) => void } | undefined;
	private readonly sockets = new Set<net.Socket>();
	private connections = 0;

	private constructor(
		private readonly server: net.Server,
		readonly port: number,
	) {}

	/** Listens on a free loopback port and forwards to `targetPort` on 127.0.0.1. */
	static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<SmtpHoldProxy> {
		const server = net.createServer();
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(0, '127.0.0.1', resolve);
		});
		const address = server.address();
		if (address === null || typeof address === 'string') throw new Error('proxy: listen(0) gave no TCP port');
		const proxy = new SmtpHoldProxy(server, address.port);
		server.on('connection', (client) => proxy.accept(client, targetHost, targetPort));
		return proxy;
	}

	/** Message bodies seen so far, over all connections. */
	get bodiesSeen(): number {
		return this.bodies;
	}

	/**
	 * From the next message body after `count` more have passed, hold the server's answers on that
	 * connection. Resolves when that body has gone through to the server. One hold at a time.
	 */
	holdAfterBodies(count: number): Promise<HeldSend> {
		if (this.armed) throw new Error('proxy: a hold is already armed');
		return new Promise((resolve) => {
			this.armed = { after: this.bodies + count, resolve };
		});
	}

	async close(): Promise<void> {
		for (const s of this.sockets) s.destroy();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private accept(client: net.Socket, host: string, port: number): void {
		const upstream = net.connect(port, host);
		const connection = ++this.connections;
		this.sockets.add(client);
		this.sockets.add(upstream);
		let holding = false;
		// Client → server: parse TLS record headers to spot message bodies; always forward.
		let pending = Buffer.alloc(0);
		let inRecord = 0;
		// A body may span several large records (one per write or per 16 KB): count it once, when a large
		// record follows a small one (a command, or the handshake).
		let inBody = false;
		client.on('data', (chunk: Buffer) => {
			upstream.write(chunk);
			pending = Buffer.concat([pending, chunk]);
			for (;;) {
				if (inRecord > 0) {
					const skip = Math.min(inRecord, pending.length);
					pending = pending.subarray(skip);
					inRecord -= skip;
					if (inRecord > 0) break;
				}
				if (pending.length < TLS_RECORD_HEADER) break;
				const type = pending[0];
				const length = pending.readUInt16BE(3);
				pending = pending.subarray(TLS_RECORD_HEADER);
				inRecord = length;
				const large = type === TLS_APPLICATION_DATA && length >= BODY_RECORD_MIN;
				if (large && !inBody) this.onBody(connection, () => (holding = true));
				inBody = large;
			}
		});
		// Server → client: forwarded unless this connection is held.
		upstream.on('data', (chunk: Buffer) => {
			if (!holding) client.write(chunk);
		});
		const close = (): void => {
			client.destroy();
			upstream.destroy();
			this.sockets.delete(client);
			this.sockets.delete(upstream);
		};
		client.on('error', close);
		upstream.on('error', close);
		client.on('close', close);
		upstream.on('close', close);
	}

	private onBody(connection: number, hold: () => void): void {
		this.bodies++;
		const armed = this.armed;
		if (!armed || this.bodies <= armed.after) return;
		this.armed = undefined;
		hold();
		armed.resolve({ at: new Date(), connection });
	}
}
