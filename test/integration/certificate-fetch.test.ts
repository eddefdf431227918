/**
 * The certificate fetch behind "Allow Self-Signed Certificates" against servers that misbehave before TLS
 * (in-process, port 0): it must fail with a clear connection error, never hang, never read without bound,
 * and never send anything but EHLO/STARTTLS. The real servers are covered in tls-options.test.ts.
 */
import net from 'node:net';
import { explainConnectionError } from '../../transport/connection-error';
import { fetchServerCertificate } from '../../transport/server-certificate';
import type { Endpoint } from '../../core/mailbox/presets';

const servers: net.Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

/** A server that runs `script` for each connection; resolves with its endpoint and what clients sent. */
async function fakeServer(script: (socket: net.Socket) => void): Promise<{ port: number; received: string[] }> {
	const received: string[] = [];
	const server = net.createServer((socket) => {
		socket.on('data', (chunk) => received.push(chunk.toString('latin1')));
		socket.on('error', () => undefined);
		script(socket);
	});
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return { port: (server.address() as net.AddressInfo).port, received };
}

const at = (port: number, security: Endpoint['security']): Endpoint => ({ host: '127.0.0.1', port, security });
const explained = async (promise: Promise<unknown>, endpoint: Endpoint, service: 'SMTP' | 'IMAP' = 'SMTP') => {
	const error = await promise.then(() => undefined, (e: unknown) => e);
	return explainConnectionError(error, { service, endpoint, secrets: [] });
};

describe('certificate fetch against misbehaving servers', () => {
	it('SMTP server refusing STARTTLS → "does not offer STARTTLS", only EHLO and STARTTLS were sent', async () => {
		const { port, received } = await fakeServer((socket) => {
			socket.write('220 mx ESMTP\r\n');
			socket.on('data', (line) => socket.write(String(line).startsWith('EHLO') ? '250-mx\r\n250 8BITMIME\r\n' : '454 4.7.0 TLS not available\r\n'));
		});
		const error = await explained(fetchServerCertificate('SMTP', at(port, 'starttls')), at(port, 'starttls'));
		expect(error.message).toMatch(/does not offer STARTTLS/);
		expect(received.join('')).toBe('EHLO certificate-check.invalid\r\nSTARTTLS\r\n');
	});

	it('IMAP server greeting with PREAUTH (a downgrade trick) → refused, nothing sent', async () => {
		const { port, received } = await fakeServer((socket) => socket.write('* PREAUTH logged in already\r\n'));
		const error = await explained(fetchServerCertificate('IMAP', at(port, 'starttls')), at(port, 'starttls'), 'IMAP');
		expect(error.code).toBe('UNEXPECTED');
		expect(error.message).toMatch(/the server greeted with "\* PREAUTH/);
		expect(received).toEqual([]);
	});

	it('a server sending an endless line before TLS → stops reading at 16 KiB', async () => {
		const { port } = await fakeServer((socket) => socket.write('2'.repeat(64 * 1024)));
		const error = await explained(fetchServerCertificate('SMTP', at(port, 'starttls')), at(port, 'starttls'));
		expect(error.message).toMatch(/overlong reply before TLS/);
	});

	it('a server that never answers → times out', async () => {
		const { port } = await fakeServer(() => undefined);
		const error = await explained(fetchServerCertificate('SMTP', at(port, 'starttls'), undefined, 300), at(port, 'starttls'));
		expect(error.code).toBe('TIMEOUT');
	});

	it('a server that hangs up before TLS → connection closed', async () => {
		const { port } = await fakeServer((socket) => socket.end('220 bye\r\n'));
		const error = await explained(fetchServerCertificate('SMTP', at(port, 'starttls')), at(port, 'starttls'));
		expect(error.code).toBe('CONNECTION_CLOSED');
	});
});
