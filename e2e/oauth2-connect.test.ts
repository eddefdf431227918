/**
 * An OAuth2 mailbox in the real n8n 2.41: the "Outreach Mailbox (OAuth2)" credential is connected
 * through n8n's own flow — the editor's "Connect my account" button in headless Chromium, sign-in and
 * consent at the loopback authorization server, n8n's callback storing the tokens — and then sends a
 * sequence step with it; n8n refreshes the short-lived token during the run and saves it in the
 * credential. Users u158 (sender) and u159 (prospect).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { addressOf, resetMailboxes, stack, stackCa } from '../test/helpers/mailstack';
import { MAIL_SCOPES, oauthUrl, registerClient, serverEvents } from '../test/helpers/oauth';
import { readMailbox } from '../test/helpers/sequence';
import type { N8nServer } from './lib/n8n-server';
import { screenshotPages, type PwPage } from './lib/screenshot';
import { sharedServer } from './lib/shared-server';
import { loadWorkflow, nodeItems } from './lib/workflows';

const CREDENTIAL_TYPE = 'outreachMailboxOAuth2Api';
const SENDER = 'u158';
const PROSPECT = 'u159';
/** Short enough that the token is due for refresh when the workflow runs a few seconds later. */
const TOKEN_LIFETIME_S = 20;

/** The part of Playwright's page used for the sign-in popup (the full API is there at run time). */
interface PopupPage extends PwPage {
	context(): { waitForEvent(event: 'page', options?: { timeout?: number }): Promise<PopupPage> };
	fill(selector: string, value: string): Promise<void>;
	waitForLoadState(state?: 'load' | 'domcontentloaded'): Promise<void>;
	isClosed(): boolean;
}

interface StoredCredential {
	data?: { oauthTokenData?: { access_token?: string; refresh_token?: string; n8n_expires_at?: string } | boolean };
}

// the Connect flow loads the editor in Chromium, then the run waits for the token to come due
jest.setTimeout(300_000);

let server: N8nServer;

beforeAll(async () => {
	await resetMailboxes(SENDER, PROSPECT);
	server = await sharedServer();
});

/**
 * The token data n8n stored in the credential. The editor's API hides `oauthTokenData`, so read it the
 * way an admin would: `n8n export:credentials --decrypted` (the CLI against the same database).
 */
async function tokenData(id: string): Promise<{ access_token?: string; refresh_token?: string; n8n_expires_at?: string }> {
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

describe('OAuth2 mailbox in real n8n', () => {
	it("connects through n8n's own Connect flow in headless Chromium, sends with it, and n8n refreshes the token during the run", async () => {
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
			name: 'Sales mailbox (OAuth2)',
			type: CREDENTIAL_TYPE,
			data: { ...fields, clientId: 'pending', clientSecret: 'pending' },
		});
		const probe = new URL(await server.rest<string>('GET', `/rest/oauth2-credential/auth?id=${draft.id}`));
		const redirectUri = String(probe.searchParams.get('redirect_uri'));
		expect(redirectUri).toMatch(/\/rest\/oauth2-credential\/callback$/);
		const client = await registerClient({ name: 'n8n (e2e)', redirectUri, accessTokenTtl: TOKEN_LIFETIME_S });
		await server.rest('PATCH', `/rest/credentials/${draft.id}`, {
			name: 'Sales mailbox (OAuth2)',
			type: CREDENTIAL_TYPE,
			data: { ...fields, clientId: client.clientId, clientSecret: client.clientSecret },
		});

		// the editor's credential dialog: "Connect" opens the provider's sign-in in a popup
		// like outreach.test.ts: E2E_SCREENSHOT_DIR=docs/screenshots refreshes the committed one
		const screenshot = path.resolve(__dirname, '..', process.env.E2E_SCREENSHOT_DIR ?? path.join('.runtime', 'e2e-screenshots'), 'oauth2-credential.png');
		await screenshotPages(server, [
			{
				urlPath: `/home/credentials/${draft.id}`,
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
		const connected = await tokenData(draft.id);
		expect(connected.access_token).toEqual(expect.any(String));
		expect(connected.refresh_token).toEqual(expect.any(String));

		// the token is due for refresh (a quarter of 20 s before expiry) by the time the run signs in
		await new Promise((resolve) => setTimeout(resolve, (TOKEN_LIFETIME_S - 4) * 1000));
		const since = (await serverEvents()).at(-1)?.seq ?? 0;
		const workflow = loadWorkflow('sequence', {
			SEQUENCE_KEY: `oauth2-e2e-${Date.now()}`,
			CREDENTIAL_ID: draft.id,
			CREDENTIAL_NAME: 'Sales mailbox (OAuth2)',
			PROSPECTS: JSON.stringify([{ email: addressOf(PROSPECT), firstName: 'Pia', company: 'Acme' }]),
		});
		for (const node of workflow.nodes) {
			if (node.name !== 'SMTP Sequence') continue;
			node.parameters = { ...(node.parameters as Record<string, unknown>), authentication: 'oAuth2' };
			node.credentials = { [CREDENTIAL_TYPE]: { id: draft.id, name: 'Sales mailbox (OAuth2)' } };
		}
		const workflowId = await server.createWorkflow(workflow);
		const execution = await server.runManually(workflowId, 'Every 5 Minutes');
		expect(execution.data?.resultData.error?.message).toBeUndefined();
		expect(nodeItems(execution, 'SMTP Sequence').map((i) => i.status)).toEqual(['sent']);
		expect((await readMailbox(PROSPECT)).length).toBe(1);

		// n8n refreshed the token at the authorization server and saved the new one in the credential
		const refreshed = await tokenData(draft.id);
		expect(refreshed.access_token).not.toBe(connected.access_token);
		expect(Number(refreshed.n8n_expires_at)).toBeGreaterThan(Number(connected.n8n_expires_at));
		const grants = (await serverEvents(since)).filter((e) => e.route === 'token' && e.client === client.clientId);
		expect(grants.map((e) => e.grantType)).toEqual(['refresh_token']);
	});
});
