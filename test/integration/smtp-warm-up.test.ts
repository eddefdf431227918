/**
 * The SMTP connection logged in ahead of the first send (`SmtpSession.warmUp`, docs/design.md "Never twice",
 * "The order at the start of sending"), through a proxy in front of the stack's plain SMTP port: a warmed
 * connection the server closed before the first send is replaced, a warm-up that failed fails the first
 * send without a second login, and a session closed while warming up leaves no socket.
 */
import net from 'node:net';
import { composeRaw } from '../../transport/compose';
import { SmtpSession } from '../../transport/smtp-session';
import { faultProxy, type FaultProxy } from '../helpers/fault-proxy';
import { addressOf, resetMailboxes, settingsFor, stack } from '../helpers/mailstack';
import type { MailboxSettings } from '../../core/mailbox/settings';

const SENDER = 'u248';
const RECIPIENT = 'u249';
let proxy: FaultProxy;

function settings(password?: string): MailboxSettings {
	const base = settingsFor(SENDER, password ? { password } : {});
	return { ...base, smtp: { host: '127.0.0.1', port: proxy.port, security: 'none' } };
}

const message = () =>
	composeRaw({
		from: { name: '', address: addressOf(SENDER) },
		to: { name: '', address: addressOf(RECIPIENT) },
		subject: 'warm-up',
		text: 'hello',
		messageId: `<warm.${Date.now()}@example.test>`,
		date: new Date(),
	});

/** Polls `done` every 20 ms, up to 10 s (no timing is asserted: only that it happens). */
async function until(done: () => boolean): Promise<void> {
	for (let i = 0; i < 500 && !done(); i++) await new Promise((r) => setTimeout(r, 20));
	expect(done()).toBe(true);
}

beforeAll(() => resetMailboxes(SENDER, RECIPIENT));
beforeEach(async () => {
	proxy = await faultProxy({ host: stack.host, port: stack.mxPort });
});
afterEach(() => proxy.close());

describe('SmtpSession.warmUp (real Postfix)', () => {
	it('a warmed connection the server closed before the first send is replaced: the message goes out on a new one', async () => {
		const session = new SmtpSession(settings());
		await session.warmUp();
		expect(proxy.accepted).toBe(1);
		proxy.resetAll();
		await until(() => proxy.open === 0);
		// let the client see the reset
		await new Promise((r) => setTimeout(r, 100));
		const accepted = await session.send({ from: addressOf(SENDER), to: addressOf(RECIPIENT) }, await message());
		expect(accepted.response).toMatch(/^250/);
		expect(proxy.accepted).toBe(2);
		await session.close();
	});

	it('a warm-up refused at login fails the first send with that refusal, without logging in again', async () => {
		const session = new SmtpSession(settings('not-the-password'));
		await session.warmUp();
		await expect(session.send({ from: addressOf(SENDER), to: addressOf(RECIPIENT) }, await message())).rejects.toMatchObject({ code: 'SMTP_POLICY' });
		expect(proxy.accepted).toBe(1);
		await session.close();
	});

	it('a session closed while its warm-up is still opening leaves no socket open', async () => {
		const session = new SmtpSession(settings());
		void session.warmUp();
		await session.close();
		await until(() => proxy.open === 0);
	});

	it('a session closed while its warm-up is logging in returns (it waited for good: nodemailer drops the login callback on close)', async () => {
		// a server that greets, offers AUTH and never answers it: the warm-up is stuck in the login
		let authSeen = false;
		const sockets = new Set<net.Socket>();
		const stalled = net.createServer((socket) => {
			sockets.add(socket);
			socket.on('error', () => undefined);
			socket.write('220 stalled.example ESMTP\r\n');
			socket.on('data', (chunk: Buffer) => {
				const text = chunk.toString('latin1');
				if (/^EHLO/im.test(text)) socket.write('250-stalled.example\r\n250 AUTH PLAIN LOGIN\r\n');
				if (/^AUTH/im.test(text)) authSeen = true;
			});
		});
		await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
		const address = stalled.address();
		if (!address || typeof address === 'string') throw new Error('no port');
		try {
			const session = new SmtpSession({ ...settings(), smtp: { host: '127.0.0.1', port: address.port, security: 'none' } });
			void session.warmUp();
			await until(() => authSeen);
			await session.close();
		} finally {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => stalled.close(() => resolve()));
		}
	});

	it('a warmed connection carries the first message', async () => {
		const session = new SmtpSession(settings());
		await session.warmUp();
		const accepted = await session.send({ from: addressOf(SENDER), to: addressOf(RECIPIENT) }, await message());
		expect(accepted.response).toMatch(/^250/);
		expect(proxy.accepted).toBe(1);
		await session.close();
		await until(() => proxy.open === 0);
	});
});
