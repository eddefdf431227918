/**
 * Smoke test of the OAuth2 path through the real parts: an access token from the loopback authorization
 * server (oidc-provider, real authorization-code flow) logs in to the real Dovecot with imapflow's
 * `accessToken` (OAUTHBEARER/XOAUTH2, checked by Dovecot's oauth2 passdb through RFC 7662 introspection)
 * and sends through the real Postfix submission port with nodemailer's XOAUTH2 (Postfix asks Dovecot
 * SASL). Passwords keep working next to it.
 */
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { connect, refresh, registerClient, serverEvents, tokenHash, type OAuthClient, type TokenResponse } from '../helpers/oauth';
import { addressOf, resetMailboxes, stack, stackCa } from '../helpers/mailstack';

const USER = addressOf('u151');
const OTHER = addressOf('u152');

function imap(auth: { user: string; accessToken?: string; pass?: string }): ImapFlow {
	const client = new ImapFlow({ host: stack.host, port: stack.imapsPort, secure: true, auth, tls: { ca: stackCa() }, logger: false });
	client.on('error', () => undefined);
	return client;
}

function submission(user: string, accessToken: string) {
	return nodemailer.createTransport({
		host: stack.host,
		port: stack.submissionPort,
		requireTLS: true,
		auth: { type: 'OAuth2', user, accessToken },
		tls: { ca: stackCa() },
	});
}

describe('OAuth2 login against the real Dovecot and Postfix', () => {
	let client: OAuthClient;
	let tokens: TokenResponse;

	beforeAll(async () => {
		await resetMailboxes('u151', 'u152');
		client = await registerClient({ name: 'oauth2 smoke test' });
		tokens = await connect(client, USER, stack.password);
	});

	it('the authorization server issues a short-lived access token and a refresh token', () => {
		expect(tokens.token_type).toBe('Bearer');
		expect(tokens.expires_in).toBeGreaterThan(0);
		expect(tokens.expires_in).toBeLessThanOrEqual(60);
		expect(tokens.refresh_token).toEqual(expect.any(String));
		expect(tokens.scope?.split(' ')).toEqual(expect.arrayContaining(['mail', 'offline_access']));
	});

	it('logs in to IMAP with the access token, and Dovecot asked the authorization server about it', async () => {
		const since = (await serverEvents()).at(-1)?.seq ?? 0;
		const session = imap({ user: USER, accessToken: tokens.access_token });
		await session.connect();
		try {
			expect(session.authenticated).toBeTruthy();
			const inbox = await session.mailboxOpen('INBOX', { readOnly: true });
			expect(inbox.path).toBe('INBOX');
		} finally {
			await session.logout();
		}
		const introspections = (await serverEvents(since)).filter((e) => e.route === 'introspection');
		expect(introspections).toContainEqual(
			expect.objectContaining({ client: 'dovecot', presentedToken: tokenHash(tokens.access_token), active: true, sub: USER }),
		);
	});

	it('sends through Postfix submission with XOAUTH2, and the mail arrives', async () => {
		const messageId = `<oauth2-smoke-${Date.now()}@example.test>`;
		const info = await submission(USER, tokens.access_token).sendMail({
			from: USER,
			to: USER,
			subject: 'sent with XOAUTH2',
			text: 'hello',
			messageId,
		});
		expect(info.accepted).toEqual([USER]);

		const session = imap({ user: USER, accessToken: tokens.access_token });
		await session.connect();
		try {
			await session.mailboxOpen('INBOX', { readOnly: true });
			let found: number[] = [];
			for (let attempt = 0; attempt < 100 && found.length === 0; attempt++) {
				found = (await session.search({ header: { 'message-id': messageId } }, { uid: true })) || [];
				if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 100));
			}
			expect(found).toHaveLength(1);
		} finally {
			await session.logout();
		}
	});

	it("refuses the token for another user's mailbox on both sides", async () => {
		const session = imap({ user: OTHER, accessToken: tokens.access_token });
		await expect(session.connect()).rejects.toThrow();
		await expect(submission(OTHER, tokens.access_token).verify()).rejects.toMatchObject({ code: 'EAUTH' });
	});

	it('refuses a token the server never issued on both sides', async () => {
		const forged = `${tokens.access_token.slice(0, -4)}AAAA`;
		await expect(imap({ user: USER, accessToken: forged }).connect()).rejects.toThrow();
		await expect(submission(USER, forged).verify()).rejects.toMatchObject({ code: 'EAUTH' });
	});

	it('refuses a token without the mail scope (like a Graph-only token at Microsoft) on both sides', async () => {
		const noMail = await connect(client, USER, stack.password, 'offline_access');
		await expect(imap({ user: USER, accessToken: noMail.access_token }).connect()).rejects.toThrow();
		await expect(submission(USER, noMail.access_token).verify()).rejects.toMatchObject({ code: 'EAUTH' });
	});

	it('refuses an expired access token; the refreshed one logs in', async () => {
		// 3 s, not 1: the refreshed token (same lifetime) must still be live at its own login, which on a
		// loaded 2-core machine took over a second (TLS handshake + Dovecot's introspection round trip)
		const shortLived = await registerClient({ name: 'oauth2 smoke test, 3 s tokens', accessTokenTtl: 3 });
		const first = await connect(shortLived, USER, stack.password);
		await new Promise((resolve) => setTimeout(resolve, 4_000));
		await expect(imap({ user: USER, accessToken: first.access_token }).connect()).rejects.toThrow();

		const renewed = await refresh(shortLived, first.refresh_token ?? '');
		expect(renewed.refresh_token).not.toBe(first.refresh_token); // rotated, like Microsoft
		const session = imap({ user: USER, accessToken: renewed.access_token });
		await session.connect();
		await session.logout();
	});

	it('still accepts the password on both sides', async () => {
		const session = imap({ user: USER, pass: stack.password });
		await session.connect();
		await session.logout();
		const smtp = nodemailer.createTransport({ host: stack.host, port: stack.submissionPort, requireTLS: true, auth: { user: USER, pass: stack.password }, tls: { ca: stackCa() } });
		await expect(smtp.verify()).resolves.toBe(true);
	});
});
