/**
 * A plain-text TCP proxy in front of one of the stack's ports that lets the chaos run watch the protocol
 * as it passes and act at an exact point of it: SIGKILL a worker the moment its APPEND goes out, after
 * the server answered it, in the middle of SMTP DATA, right after the final "." … The tap sees every
 * chunk before it is forwarded and says how much of it to forward (all, a part, nothing).
 */
import net, { type Socket } from 'node:net';

/** One proxied connection. */
export interface TappedConnection {
	readonly id: number;
	/** Whatever the tap wants to remember about this connection (e.g. "in DATA"). */
	readonly state: Record<string, unknown>;
}

/** A chunk on its way; `toServer` is the client's (our node's) side speaking. */
export interface TapEvent {
	connection: TappedConnection;
	toServer: boolean;
	chunk: Buffer;
}

/** Returns the bytes to forward (`undefined`: the whole chunk; an empty buffer: nothing). */
export type Tap = (event: TapEvent) => Buffer | undefined;

export interface WireTap {
	readonly port: number;
	/** Client connections open through the tap now. */
	readonly open: number;
	tap: Tap | undefined;
	close(): Promise<void>;
}

/** Starts a tap on 127.0.0.1:0 forwarding to `target`. */
export async function wireTap(target: { host: string; port: number }): Promise<WireTap> {
	const pairs = new Set<{ client: Socket; server: Socket }>();
	let nextId = 1;
	const listener = net.createServer((client) => {
		const server = net.connect(target.port, target.host);
		const pair = { client, server };
		pairs.add(pair);
		const connection: TappedConnection = { id: nextId++, state: {} };
		const end = () => {
			pairs.delete(pair);
			client.destroy();
			server.destroy();
		};
		client.on('error', end);
		server.on('error', end);
		client.on('close', end);
		server.on('close', end);
		const pass = (from: Socket, to: Socket, toServer: boolean) =>
			from.on('data', (chunk: Buffer) => {
				const forward = result.tap?.({ connection, toServer, chunk }) ?? chunk;
				if (forward.length > 0 && !to.destroyed) to.write(forward);
			});
		pass(client, server, true);
		pass(server, client, false);
	});
	await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', () => resolve()));
	const result: WireTap = {
		port: (listener.address() as net.AddressInfo).port,
		get open() {
			return pairs.size;
		},
		tap: undefined,
		close: () =>
			new Promise<void>((resolve) => {
				for (const { client, server } of pairs) {
					client.destroy();
					server.destroy();
				}
				listener.close(() => resolve());
			}),
	};
	return result;
}
