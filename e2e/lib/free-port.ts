import * as net from 'node:net';

/** A TCP port that was free on 127.0.0.1 a moment ago: the kernel picks it through listen(0). */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const srv = net.createServer();
		srv.unref();
		srv.on('error', reject);
		srv.listen(0, '127.0.0.1', () => {
			const addr = srv.address();
			if (addr === null || typeof addr === 'string') {
				srv.close();
				reject(new Error(`listen(0) returned no TCP address: ${String(addr)}`));
				return;
			}
			srv.close(() => resolve(addr.port));
		});
	});
}
