/**
 * A TCP proxy on loopback that counts the bytes passing each way: put between a node and the IMAP
 * server, it measures what a run transfers whatever the code inside does (TLS bytes, as on the wire).
 */
import net from 'node:net';

/** A running proxy: its port, the byte counters, and how to stop it. */
export interface CountingProxy {
	port: number;
	/** Bytes from the server to the client / from the client to the server since the last reset. */
	readonly bytes: { down: number; up: number };
	/** Connections accepted since the last reset. */
	readonly connections: { total: number; open: number; peak: number };
	reset(): void;
	close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 and forwards every connection to `target`. */
export async function startCountingProxy(target: { host: string; port: number }): Promise<CountingProxy> {
	const bytes = { down: 0, up: 0 };
	const connections = { total: 0, open: 0, peak: 0 };
	const sockets = new Set<net.Socket>();
	const server = net.createServer((client) => {
		connections.total++;
		connections.open++;
		connections.peak = Math.max(connections.peak, connections.open);
		const upstream = net.connect(target.port, target.host);
		sockets.add(client).add(upstream);
		client.on('data', (chunk: Buffer) => (bytes.up += chunk.length));
		upstream.on('data', (chunk: Buffer) => (bytes.down += chunk.length));
		client.pipe(upstream);
		upstream.pipe(client);
		let closed = false;
		const done = () => {
			if (closed) return;
			closed = true;
			connections.open--;
			client.destroy();
			upstream.destroy();
			sockets.delete(client);
			sockets.delete(upstream);
		};
		client.on('close', done).on('error', done);
		upstream.on('close', done).on('error', done);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const port = (server.address() as net.AddressInfo).port;
	return {
		port,
		bytes,
		connections,
		reset() {
			bytes.down = 0;
			bytes.up = 0;
			connections.total = 0;
			connections.peak = connections.open;
		},
		close() {
			for (const socket of sockets) socket.destroy();
			return new Promise((resolve) => server.close(() => resolve()));
		},
	};
}
