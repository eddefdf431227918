/**
 * A TCP proxy on loopback that delays every chunk by half a round trip in each direction, so a
 * request/answer exchange through it takes `rttMs` longer — a mail server that is far away, as real
 * ones are (`npm run bench:send`, the `rtt25` figures). Order is kept: every chunk of one direction
 * waits the same time, and timers of equal delay fire in the order they were set.
 */
import net from 'node:net';

/** A running proxy: its port and how to stop it. */
export interface DelayProxy {
	port: number;
	close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 and forwards every connection to `target`, `rttMs / 2` later each way. */
export async function startDelayProxy(target: { host: string; port: number }, rttMs: number): Promise<DelayProxy> {
	const half = rttMs / 2;
	const sockets = new Set<net.Socket>();
	const pipe = (from: net.Socket, to: net.Socket): void => {
		from.on('data', (chunk: Buffer) => {
			setTimeout(() => {
				if (!to.destroyed) to.write(chunk);
			}, half);
		});
		from.on('end', () => setTimeout(() => to.end(), half));
		from.on('error', () => to.destroy());
		from.on('close', () => setTimeout(() => to.destroy(), half + 1));
	};
	const server = net.createServer((client) => {
		const upstream = net.connect(target.port, target.host);
		sockets.add(client).add(upstream);
		client.on('close', () => sockets.delete(client));
		upstream.on('close', () => sockets.delete(upstream));
		pipe(client, upstream);
		pipe(upstream, client);
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address();
	if (!address || typeof address === 'string') throw new Error('delay proxy has no port');
	return {
		port: address.port,
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
