/**
 * The reply trigger on an OAuth2 mailbox over several token lifetimes, against the real Dovecot and the
 * real authorization server: tokens live 8 s here (the server's per-client lifetime), and each watcher
 * session must be replaced by one with a fresh token before its token expires — Exchange Online ends or
 * invalidates a session whose token expired — without losing or repeating a reply. User u153.
 */
import { AccessTokenSource, type OAuth2TokenData } from '../../core/mailbox/access-token';
import { resolveOAuth2MailboxSettings } from '../../core/mailbox/settings';
import { resolveTriggerOptions } from '../../core/trigger/trigger-options';
import { ReplyTriggerEngine } from '../../transport/reply-trigger-engine';
import { addressOf, resetMailboxes, stack, stackCa } from '../helpers/mailstack';
import { connect, refresh, registerClient, serverEvents, tokenHash, type OAuthClient, type TokenResponse } from '../helpers/oauth';
import { Collector, deliver, MemoryStore, ourId, replyRaw, settle, uniqueTag } from './trigger/trigger-fixtures';

jest.setTimeout(120_000);

const USER = 'u153';
const TOKEN_LIFETIME_S = 8;

/** A token source like the node builds, refreshing at the real server (as n8n's helper would). */
function tokenSourceFor(client: OAuthClient, first: TokenResponse): { tokens: AccessTokenSource; issued: string[] } {
	let current = first;
	const issued = [first.access_token];
	const stored: OAuth2TokenData = { ...first, n8n_expires_at: String(Date.now() + first.expires_in * 1000) };
	const tokens = new AccessTokenSource(stored, {
		provider: 'other',
		credentialName: 'OAuth2 trigger test',
		refresh: async () => {
			current = await refresh(client, String(current.refresh_token));
			issued.push(current.access_token);
			return current;
		},
	});
	return { tokens, issued };
}

describe('IMAP Reply Trigger on an OAuth2 mailbox', () => {
	let engine: ReplyTriggerEngine | undefined;
	afterEach(async () => engine?.stop());
	beforeAll(() => resetMailboxes(USER));

	it('keeps emitting across more than three token lifetimes, signing in again before each token expires, with no reply lost or repeated', async () => {
		const me = addressOf(USER);
		const client = await registerClient({ name: 'oauth2 trigger test', accessTokenTtl: TOKEN_LIFETIME_S });
		const { tokens, issued } = tokenSourceFor(client, await connect(client, me, stack.password));
		const settings = resolveOAuth2MailboxSettings(
			{ provider: 'other', email: me, smtpHost: stack.host, smtpPort: stack.submissionPort, smtpSecurity: 'starttls', imapHost: stack.host, imapPort: stack.imapsPort, imapSecurity: 'tls', caCertificate: stackCa() },
			tokens,
		);
		const since = (await serverEvents()).at(-1)?.seq ?? 0;
		const collector = new Collector();
		const fatal: Error[] = [];
		engine = new ReplyTriggerEngine({
			settings,
			folders: ['INBOX'],
			options: resolveTriggerOptions(),
			store: new MemoryStore(),
			emit: collector.emit,
			onFatal: (error) => fatal.push(error),
		});
		const started = Date.now();
		await engine.start();

		// a reply every ~2 s for well over three lifetimes
		const tag = uniqueTag();
		const key = `oauth2-trigger-${tag}`;
		const sent: string[] = [];
		for (let i = 0; Date.now() - started < 3.5 * TOKEN_LIFETIME_S * 1000; i++) {
			const prospect = `lead${i}@remote.test`;
			const step1 = ourId(key, prospect, 1);
			const subject = `Re: offer ${tag} #${i}`;
			await deliver(replyRaw({ from: prospect, to: me, subject, inReplyTo: step1, references: [step1] }), { from: prospect, to: me });
			sent.push(subject);
			await settle(2_000);
		}
		await collector.waitFor(() => collector.tagged(tag).length >= sent.length, 30_000);
		await settle(1_000);

		expect(fatal).toEqual([]);
		const emitted = collector.tagged(tag).map((item) => String(item.json.subject));
		expect([...emitted].sort()).toEqual([...sent].sort()); // every reply, each once
		expect(engine.watchers[0].stats.tokenRotations).toBeGreaterThanOrEqual(3);

		// Dovecot checked each login's token with the authorization server: every one was still active
		// (never a login with an expired token), and they were the fresh tokens of each rotation
		const logins = (await serverEvents(since)).filter((e) => e.route === 'introspection' && e.client === 'dovecot' && e.tokenClient === client.clientId);
		expect(logins.every((e) => e.active)).toBe(true);
		const used = new Set(logins.map((e) => e.presentedToken));
		expect(used.size).toBeGreaterThanOrEqual(4);
		expect([...used].every((hash) => issued.map(tokenHash).includes(String(hash)))).toBe(true);
	});
});
