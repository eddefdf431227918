/**
 * The outreach story with an OAuth2 mailbox in the real n8n 2.41 (the shared server), against the real
 * Postfix + Dovecot checking every token at the loopback authorization server:
 *
 *   1. the "Outreach Mailbox (OAuth2)" credential is connected through n8n's own flow — the editor's
 *      "Connect my account" button in headless Chromium, sign-in and consent at the authorization server,
 *      n8n's callback storing the tokens; access tokens live 20 s;
 *   2. IMAP Reply Trigger (Authentication: OAuth2) published, then Schedule → Code → SMTP Sequence run:
 *      step 1 to three prospects, one of them an unknown address that bounces;
 *   3. the trigger emits the bounce, stays signed in past its token's expiry (it signs in again with a
 *      token n8n refreshed), then emits a reply;
 *   4. the next run (after the token came due again: n8n refreshes it inside the run) stops the replier
 *      and the bounce and sends step 2 to the third prospect only — counted in the mailboxes;
 *   5. the sign-in is revoked at the server: a run fails with the plain "connect it again" error and
 *      sends nothing;
 *   6. no token and not the client secret anywhere in n8n's log or saved executions.
 *
 * The sender is the Exchange-like exo07 (its folders keep no custom keywords, like Exchange Online).
 * Prospects u169 (replies), u170 (gets step 2), u168 (only after the revocation) and an unknown address.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sequenceMessageId } from '../core/mail/message-id';
import { addressOf, mailstack, resetMailboxes, stack, stackCa } from '../test/helpers/mailstack';
import { MAIL_SCOPES, oauthUrl, registerClient, revoke, serverEvents, tokenHash, type OAuthClient } from '../test/helpers/oauth';
import { readMailbox, replyFrom, waitForMessage } from '../test/helpers/sequence';
import type { N8nExecution, N8nServer, WorkflowJson } from './lib/n8n-server';
import { screenshotPages, type PwPage } from './lib/screenshot';
import { findSecrets, type KnownSecrets } from './lib/secret-scan';
import { sharedServer } from './lib/shared-server';
import { emittedItems, loadWorkflow, nodeItems } from './lib/workflows';

const CREDENTIAL_TYPE = 'outreachMailboxOAuth2Api';
const CREDENTIAL_NAME = 'Sales mailbox (OAuth2)';
const SENDER = 'exo07';
const REPLIER = 'u169';
const FOLLOWED_UP = 'u170';
const AFTER_REVOCATION = 'u168';
const SEQUENCE_NODE = 'SMTP Sequence';
const REPLY_TRIGGER = 'IMAP Reply Trigger';
/** Short, so the story crosses several token lifetimes; the token source refreshes a quarter before expiry. */
const TOKEN_LIFETIME_S = 20;
const REFRESH_MARGIN_MS = (TOKEN_LIFETIME_S * 1000) / 4;
/** Deadline for a push trigger's execution to show up; generous for a loaded 2-core CI box. */
const TRIGGER_DEADLINE_MS = 30_000;

/** The part of Playwright's page used for the sign-in popup (the full API is there at run time). */
interface PopupPage extends PwPage {
	context(): { waitForEvent(event: 'page', options?: { timeout?: number }): Promise<PopupPage> };
	fill(selector: string, value: string): Promise<void>;
	waitForLoadState(state?: 'load' | 'domcontentloaded'): Promise<void>;
	isClosed(): boolean;
}

interface TokenData {
	access_token?: string;
	refresh_token?: string;
	n8n_expires_at?: string;
}

interface StoredCredential {
	data?: { oauthTokenData?: TokenData | boolean };
}

type EmittedItem = Record<string, unknown> & { executionId: string };

// the Connect flow loads the editor in Chromium; the story waits for tokens to expire and come due
jest.setTimeout(300_000);

const sequenceKey = `oauth2-story-${Date.now().toString(36)}`;
const unknown = `nobody-oauth2-${Date.now()}@${stack.domain}`;
const prospects = [
	{ email: addressOf(REPLIER), firstName: 'Rita', company: 'Replyco' },
	{ email: addressOf(FOLLOWED_UP), firstName: 'Finn', company: 'Followware' },
	{ email: unknown, firstName: 'Nobody', company: 'Nowhere' },
];
const step1Id = (email: string): string => sequenceMessageId(sequenceKey, email, 1, stack.domain);
const step2Id = (email: string): string => sequenceMessageId(sequenceKey, email, 2, stack.domain);

let server: N8nServer;
let client: OAuthClient;
let credentialId = '';
/** The token data n8n stored at the end of the Connect flow. */
let connected: TokenData = {};
const workflowIds: string[] = [];
let sequenceWorkflowId = '';
let triggerWorkflowId = '';
/** Server event and n8n log position when the trigger was published. */
let publishedSeq = 0;
let publishedLog = 0;
/** The unknown address's DSN, the replier's reply: emitted by the trigger. */
let dsnMessageId = '';
let replyMessageId = '';
/** Filled by the tests, printed at the end: what docs/e2e.md records. */
const figures: Record<string, string> = {};

beforeAll(async () => {
	await resetMailboxes(SENDER, REPLIER, FOLLOWED_UP, AFTER_REVOCATION);
	server = await sharedServer();
});

afterAll(async () => {
	if (triggerWorkflowId) await server.deactivateWorkflow(triggerWorkflowId).catch(() => undefined);
	console.log(`OAuth2 e2e figures:\n${Object.entries(figures).map(([k, v]) => `  ${k.padEnd(48)} ${v}`).join('\n')}`);
});

/**
 * The token data n8n stored in the credential. The editor's API hides `oauthTokenData`, so read it the
 * way an admin would: `n8n export:credentials --decrypted` (the CLI against the same database).
 */
async function tokenData(id: string): Promise<TokenData> {
	const file = path.join(os.tmpdir(), `oauth2-e2e-credential-${process.pid}.json`);
	await server.cli(['export:credentials', `--id=${id}`, '--decrypted', `--output=${file}`]);
	try {
		const exported = JSON.parse(fs.readFileSync(file, 'utf8')) as StoredCredential[];
		const data = exported[0]?.data?.oauthTokenData;
		return typeof data === 'object' && data !== null ? data : {};
	} finally {
		fs.rmSync(file, { force: true });
	}
}

/** A workflow fixture with `nodeName` switched to Authentication "OAuth2" and the connected credential. */
function withOAuth2(workflow: WorkflowJson, nodeName: string): WorkflowJson {
	for (const node of workflow.nodes) {
		if (node.name !== nodeName) continue;
		node.parameters = { ...(node.parameters as Record<string, unknown>), authentication: 'oAuth2' };
		node.credentials = { [CREDENTIAL_TYPE]: { id: credentialId, name: CREDENTIAL_NAME } };
	}
	return workflow;
}

async function createWorkflow(workflow: WorkflowJson): Promise<string> {
	const id = await server.createWorkflow(workflow);
	workflowIds.push(id);
	return id;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/** Waits until the token n8n stores is due for refresh (what the node's token source checks at run start). */
async function untilStoredTokenDue(): Promise<TokenData> {
	const stored = await tokenData(credentialId);
	await sleep(Number(stored.n8n_expires_at) - REFRESH_MARGIN_MS - Date.now() + 500);
	return stored;
}

/** Runs the sequence as the editor's "Execute workflow"; returns its items by prospect address. */
async function runSequence(workflowId: string): Promise<{ execution: N8nExecution; byEmail: Record<string, Record<string, unknown>> }> {
	const execution = await server.runManually(workflowId, 'Every 5 Minutes');
	const byEmail = Object.fromEntries(nodeItems(execution, SEQUENCE_NODE).map((item) => [String(item.email), item]));
	return { execution, byEmail };
}

async function triggerItems(): Promise<EmittedItem[]> {
	return emittedItems(await server.executions(triggerWorkflowId, 50), REPLY_TRIGGER);
}

async function waitForEmitted(messageId: string): Promise<EmittedItem> {
	const list = await server.waitForExecutions(
		triggerWorkflowId,
		(executions) => emittedItems(executions, REPLY_TRIGGER).some((i) => i.messageId === messageId),
		TRIGGER_DEADLINE_MS,
	);
	const item = emittedItems(list, REPLY_TRIGGER).find((i) => i.messageId === messageId);
	if (!item) throw new Error('unreachable');
	return item;
}

/** Open IMAP sessions of the sender at Dovecot (`doveadm who`): the trigger's, while it watches. */
async function senderSessions(): Promise<number> {
	const out = await mailstack('doveadm', 'who', '-1', addressOf(SENDER));
	return out.split('\n').filter((line) => line.startsWith(addressOf(SENDER)) && /\bimap\b/.test(line)).length;
}

describe('outreach with an OAuth2 mailbox in real n8n', () => {
	it("connects the credential through n8n's own Connect flow in headless Chromium", async () => {
		const me = addressOf(SENDER);
		const fields = {
			authUrl: `${oauthUrl}/auth`,
			accessTokenUrl: `${oauthUrl}/token`,
			authentication: 'header',
			// OpenID Connect servers honour offline_access (a refresh token) only with prompt=consent
			authQueryParameters: 'prompt=consent',
			mailScopes: MAIL_SCOPES,
			email: me,
			senderName: 'Sam Sender',
			smtpHost: stack.host,
			smtpPort: stack.submissionPort,
			smtpSecurity: 'starttls',
			imapHost: stack.host,
			imapPort: stack.imapsPort,
			imapSecurity: 'tls',
			trustedCa: stackCa(),
		};
		// n8n tells its callback URL in the authorization URL it builds; register the client for exactly that
		const draft = await server.rest<{ id: string }>('POST', '/rest/credentials', {
			name: CREDENTIAL_NAME,
			type: CREDENTIAL_TYPE,
			data: { ...fields, clientId: 'pending', clientSecret: 'pending' },
		});
		credentialId = draft.id;
		const probe = new URL(await server.rest<string>('GET', `/rest/oauth2-credential/auth?id=${credentialId}`));
		const redirectUri = String(probe.searchParams.get('redirect_uri'));
		expect(redirectUri).toMatch(/\/rest\/oauth2-credential\/callback$/);
		client = await registerClient({ name: 'n8n (e2e)', redirectUri, accessTokenTtl: TOKEN_LIFETIME_S });
		await server.rest('PATCH', `/rest/credentials/${credentialId}`, {
			name: CREDENTIAL_NAME,
			type: CREDENTIAL_TYPE,
			data: { ...fields, clientId: client.clientId, clientSecret: client.clientSecret },
		});

		// the editor's credential dialog: "Connect" opens the provider's sign-in in a popup
		// like outreach.test.ts: E2E_SCREENSHOT_DIR=docs/screenshots refreshes the committed one
		const screenshot = path.resolve(__dirname, '..', process.env.E2E_SCREENSHOT_DIR ?? path.join('.runtime', 'e2e-screenshots'), 'oauth2-credential.png');
		const t = Date.now();
		await screenshotPages(server, [
			{
				urlPath: `/home/credentials/${credentialId}`,
				outFile: screenshot,
				waitFor: 'text=Connect your account to use this credential',
				prepare: async (page) => {
					const editor = page as PopupPage;
					const popupOpened = editor.context().waitForEvent('page', { timeout: 60_000 });
					await editor.locator('button:has-text("Connect") >> visible=true').first().click();
					const popup = await popupOpened;
					await popup.waitForLoadState('domcontentloaded');
					await popup.fill('#email', me);
					await popup.fill('#password', stack.password);
					await popup.click('#sign-in');
					await popup.waitForSelector('#allow', { timeout: 30_000 });
					await popup.click('#allow');
					// n8n's callback page stores the tokens and closes the popup; the dialog then shows it connected
					const deadline = Date.now() + 60_000;
					while (!popup.isClosed()) {
						if (Date.now() > deadline) throw new Error("n8n's OAuth2 callback page did not close within 60 s");
						await editor.waitForTimeout(250);
					}
					await editor.waitForTimeout(2_000);
				},
			},
		]);
		figures['Connect flow + credential screenshot'] = `${((Date.now() - t) / 1000).toFixed(1)} s`;
		connected = await tokenData(credentialId);
		expect(connected.access_token).toEqual(expect.any(String));
		expect(connected.refresh_token).toEqual(expect.any(String));
		const grants = (await serverEvents()).filter((e) => e.route === 'token' && e.client === client.clientId);
		expect(grants.map((e) => e.grantType)).toEqual(['authorization_code']);
	});

	it('publishes the IMAP Reply Trigger on the OAuth2 credential, then sends step 1 to the three prospects', async () => {
		expect(credentialId).not.toBe('');
		const vars = { SEQUENCE_KEY: sequenceKey, CREDENTIAL_ID: credentialId, CREDENTIAL_NAME };
		const trigger = withOAuth2(loadWorkflow('reply-trigger', vars), REPLY_TRIGGER);
		triggerWorkflowId = await createWorkflow(trigger);
		sequenceWorkflowId = await createWorkflow(withOAuth2(loadWorkflow('sequence', { ...vars, PROSPECTS: JSON.stringify(prospects) }), SEQUENCE_NODE));

		publishedSeq = (await serverEvents()).at(-1)?.seq ?? 0;
		publishedLog = server.logSize();
		await server.activateWorkflow(triggerWorkflowId);
		await server.waitForTriggerActive(REPLY_TRIGGER, trigger.name, publishedLog);
		expect(await senderSessions()).toBeGreaterThanOrEqual(1);

		const { execution, byEmail } = await runSequence(sequenceWorkflowId);
		expect(execution.data?.resultData.error?.message).toBeUndefined();
		for (const p of prospects) expect(byEmail[p.email]).toMatchObject({ status: 'sent', step: 1, messageId: step1Id(p.email) });
		for (const user of [REPLIER, FOLLOWED_UP]) {
			expect((await readMailbox(user)).map((m) => m.messageId)).toEqual([step1Id(addressOf(user))]);
		}
		// the Exchange-like Sent keeps no $SeqClaim/$SeqSent: the copies themselves are the ledger
		expect((await readMailbox(SENDER, 'Sent')).map((m) => m.messageId).sort()).toEqual(prospects.map((p) => step1Id(p.email)).sort());
	});

	it('the published trigger emits the bounce, stays signed in past its token’s expiry, then emits the reply — each once', async () => {
		expect(triggerWorkflowId).not.toBe('');
		const dsn = await waitForMessage(SENDER, (m) => /MAILER-DAEMON/i.test(m.from) || /Undelivered|failure/i.test(m.subject));
		dsnMessageId = dsn.messageId;
		const bounce = await waitForEmitted(dsnMessageId);
		expect(bounce).toMatchObject({ class: 'bounce', prospectEmail: unknown, prospectVerified: true, sequenceKey, step: 1 });

		// the token the trigger signed in with when it was published, as Dovecot checked it
		const triggerLogin = (await serverEvents(publishedSeq)).find((e) => e.route === 'introspection' && e.tokenClient === client.clientId);
		expect(triggerLogin).toMatchObject({ active: true, exp: expect.any(Number) });
		const expiredAt = Number(triggerLogin?.exp) * 1000;
		// the trigger replaces its session before that token expires (n8n refreshes the token for it) …
		await server.waitForLog(/Signed in to "INBOX" again with a fresh access token/, { from: publishedLog, timeoutMs: 2 * TOKEN_LIFETIME_S * 1000 });
		// … and is still watching after the token expired
		await sleep(expiredAt - Date.now() + 1_000);
		expect(Date.now()).toBeGreaterThan(expiredAt);

		const sentAt = Date.now();
		const info = await replyFrom(REPLIER, addressOf(SENDER), step1Id(addressOf(REPLIER)), {
			subject: 'Re: Quick question, Rita',
			text: 'Hi Sam, yes please - Thursday at 3pm works.\n\nRita\n\nOn Mon, Sam wrote:\n> Would a 15-minute call next week be useful?',
		});
		replyMessageId = info.messageId;
		const reply = await waitForEmitted(replyMessageId);
		figures['reply after the token expiry → execution visible'] = `${((Date.now() - sentAt) / 1000).toFixed(1)} s`;
		expect(reply).toMatchObject({ class: 'reply', prospectEmail: addressOf(REPLIER), prospectVerified: true, sequenceKey, step: 1 });
		expect(String(reply.replyText)).toMatch(/Thursday at 3pm/);

		// nothing lost, nothing twice: exactly the bounce and the reply
		expect((await triggerItems()).map((i) => i.messageId).sort()).toEqual([dsnMessageId, replyMessageId].sort());
		const executions = await server.executions(triggerWorkflowId, 50);
		expect(executions.every((e) => e.status === 'success')).toBe(true);

		// every login since publication presented a live token; n8n refreshed (never re-authorized) and saved
		const events = await serverEvents(publishedSeq);
		const logins = events.filter((e) => e.route === 'introspection' && e.tokenClient === client.clientId);
		expect(logins.every((e) => e.active)).toBe(true);
		expect(new Set(logins.map((e) => e.presentedToken)).size).toBeGreaterThanOrEqual(2);
		const grants = events.filter((e) => e.route === 'token' && e.client === client.clientId);
		expect(grants.length).toBeGreaterThanOrEqual(1);
		expect(grants.every((e) => e.grantType === 'refresh_token' && e.status === 200)).toBe(true);
		const stored = await tokenData(credentialId);
		expect(stored.access_token).not.toBe(connected.access_token);
		expect(Number(stored.n8n_expires_at)).toBeGreaterThan(Number(connected.n8n_expires_at));
		// both counted from n8n's log up to here: n8n's helper logs each refresh it makes for a node
		const log = fs.readFileSync(server.logFile).subarray(publishedLog).toString('utf8');
		const refreshes = log.match(/used by node "IMAP Reply Trigger" has been renewed/g) ?? [];
		const rotations = log.match(/Signed in to "INBOX" again with a fresh access token/g) ?? [];
		figures['trigger until the reply: n8n refreshes / sign-ins again'] = `${refreshes.length} / ${rotations.length}`;
	});

	it('the next run (token due: n8n refreshes it in the run) stops the replier and the bounce and follows up with the third prospect only', async () => {
		expect(replyMessageId).not.toBe('');
		// unpublish first, so the refresh below can only be the run's; wait until Dovecot saw the trigger leave
		await server.deactivateWorkflow(triggerWorkflowId);
		const deadline = Date.now() + 60_000;
		while ((await senderSessions()) > 0) {
			if (Date.now() > deadline) throw server.failure('the unpublished trigger still holds an IMAP session after 60 s');
			await sleep(250);
		}
		const before = await untilStoredTokenDue();
		const since = (await serverEvents()).at(-1)?.seq ?? 0;

		const { execution, byEmail } = await runSequence(sequenceWorkflowId);
		expect(execution.data?.resultData.error?.message).toBeUndefined();
		expect(byEmail[addressOf(REPLIER)]).toMatchObject({ status: 'stopped', stopReason: 'replied' });
		expect(byEmail[unknown]).toMatchObject({ status: 'stopped', stopReason: 'bounced' });
		expect(byEmail[addressOf(FOLLOWED_UP)]).toMatchObject({ status: 'sent', step: 2, messageId: step2Id(addressOf(FOLLOWED_UP)) });

		// counted in the mailboxes
		expect((await readMailbox(REPLIER)).map((m) => m.messageId)).toEqual([step1Id(addressOf(REPLIER))]);
		const followedUp = await waitForMessage(FOLLOWED_UP, (m) => m.messageId === step2Id(addressOf(FOLLOWED_UP)));
		expect(followedUp.headers).toMatch(new RegExp(`^In-Reply-To: ${step1Id(addressOf(FOLLOWED_UP)).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'im'));
		expect((await readMailbox(FOLLOWED_UP)).map((m) => m.messageId)).toEqual([step1Id(addressOf(FOLLOWED_UP)), step2Id(addressOf(FOLLOWED_UP))]);
		const sent = (await readMailbox(SENDER, 'Sent')).map((m) => m.messageId).sort();
		expect(sent).toEqual([...prospects.map((p) => step1Id(p.email)), step2Id(addressOf(FOLLOWED_UP))].sort());
		expect((await readMailbox(SENDER)).map((m) => m.messageId).sort()).toEqual([dsnMessageId, replyMessageId].sort());

		// the run refreshed the due token through n8n, which saved it in the credential
		const grants = (await serverEvents(since)).filter((e) => e.route === 'token' && e.client === client.clientId);
		expect(grants.map((e) => [e.grantType, e.status])).toEqual([['refresh_token', 200]]);
		const after = await tokenData(credentialId);
		expect(after.access_token).not.toBe(before.access_token);
		expect(Number(after.n8n_expires_at)).toBeGreaterThan(Number(before.n8n_expires_at));
	});

	it('after the sign-in is revoked at the authorization server, a run fails with the plain "connect it again" error and sends nothing', async () => {
		const stored = await tokenData(credentialId);
		expect(stored.refresh_token).toEqual(expect.any(String));
		// the user removed the app's access: the whole grant ends, access tokens included
		await revoke(client, String(stored.refresh_token));
		const lateKey = `${sequenceKey}-late`;
		const workflow = withOAuth2(
			loadWorkflow('sequence', {
				SEQUENCE_KEY: lateKey,
				CREDENTIAL_ID: credentialId,
				CREDENTIAL_NAME,
				PROSPECTS: JSON.stringify([{ email: addressOf(AFTER_REVOCATION), firstName: 'Lea', company: 'Lateco' }]),
			}),
			SEQUENCE_NODE,
		);
		workflow.name = 'Outreach after the sign-in was revoked';
		const { execution } = await runSequence(await createWorkflow(workflow));
		expect(execution.status).toBe('error');
		const error = execution.data?.resultData.error;
		expect(error?.message).toMatch(/expired or was revoked|needs to be reconnected/);
		expect(`${error?.message} ${error?.description ?? ''}`).toMatch(/connect it again|reconnect/i);
		expect(await readMailbox(AFTER_REVOCATION)).toEqual([]);
		expect((await readMailbox(SENDER, 'Sent')).length).toBe(prospects.length + 1);
	});

	it("no access token, refresh token or client secret in n8n's log or in any saved execution", async () => {
		expect(workflowIds.length).toBe(3);
		const issued = (await serverEvents()).filter((e) => e.route === 'token' && e.client === client.clientId && e.status === 200);
		const hashes = new Set(issued.flatMap((e) => [e.accessToken, e.refreshToken]).filter((h): h is string => typeof h === 'string'));
		// the authorization code, at least two refreshes; each gave an access and a refresh token
		expect(issued.length).toBeGreaterThanOrEqual(3);
		expect(hashes.size).toBe(issued.length * 2);
		const sample = await tokenData(credentialId);
		const known: KnownSecrets = {
			literals: [client.clientSecret],
			tokenHashes: hashes,
			tokenLengths: new Set([String(sample.access_token).length, String(sample.refresh_token).length]),
		};
		// the scan finds what it must: the stored tokens (one of the issued ones) and a SASL string carrying one
		expect(hashes.has(tokenHash(String(sample.access_token)))).toBe(true);
		const sasl = Buffer.from(`user=${addressOf(SENDER)}\x01auth=Bearer ${sample.access_token}\x01\x01`).toString('base64');
		expect(findSecrets(`{"oauthTokenData":${JSON.stringify(sample)}} AUTHENTICATE XOAUTH2 ${sasl} ${client.clientSecret}`, 'control', known).map((f) => f.kind).sort()).toEqual(
			['literal', 'sasl', 'token', 'token'],
		);

		const findings = findSecrets(fs.readFileSync(server.logFile, 'utf8'), 'n8n log', known);
		let executions = 0;
		for (const id of workflowIds) {
			for (const execution of await server.executions(id, 100)) {
				executions++;
				findings.push(...findSecrets(JSON.stringify(execution), `execution ${execution.id}`, known));
			}
		}
		figures['secret scan'] = `${fs.statSync(server.logFile).size} bytes of log, ${executions} executions, ${hashes.size} issued tokens: ${findings.length} found`;
		expect(executions).toBeGreaterThanOrEqual(5);
		expect(findings).toEqual([]);
	});
});
