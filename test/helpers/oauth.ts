/**
 * Talks to the loopback OAuth 2.0 authorization server the mail stack runs (test/oauth-server/server.ts)
 * the way a browser and an OAuth client do: registers a client (RFC 7591), walks the authorization-code
 * flow through the sign-in and consent pages over HTTP (cookies and redirects by hand), exchanges the
 * code, refreshes and revokes tokens. No protocol is faked: every step is the server's real endpoint.
 */
import type { ServerEvent } from '../oauth-server/events';
import { addressOf, stack, stackCa } from './mailstack';

/** The authorization server's base URL (its issuer). */
export const oauthUrl = process.env.MAILSTACK_OAUTH_URL ?? `http://${stack.host}:${process.env.MAILSTACK_OAUTH_PORT ?? 1980}`;
/** The scopes a mailbox client asks for: mail access and a refresh token. */
export const MAIL_SCOPES = 'mail offline_access';

/** A registered client. */
export interface OAuthClient {
	clientId: string;
	clientSecret: string;
	redirectUri: string;
}

/** A token endpoint response, as n8n stores it in `oauthTokenData`. */
export interface TokenResponse {
	access_token: string;
	refresh_token?: string;
	expires_in: number;
	token_type: string;
	scope?: string;
	[key: string]: unknown;
}

/** Error answer of the token endpoint (`invalid_grant` …). */
export class OAuthHttpError extends Error {
	constructor(
		readonly status: number,
		readonly error: string,
		readonly description: string,
	) {
		super(`${status} ${error}: ${description}`);
		this.name = 'OAuthHttpError';
	}
}

/** Registers a client; `accessTokenTtl`/`refreshTokenTtl` (seconds) override the server's lifetimes for it. */
export async function registerClient(
	options: { name?: string; redirectUri?: string; accessTokenTtl?: number; refreshTokenTtl?: number; authMethod?: 'client_secret_basic' | 'client_secret_post' } = {},
): Promise<OAuthClient> {
	const redirectUri = options.redirectUri ?? 'http://127.0.0.1:9/callback';
	const response = await fetch(`${oauthUrl}/reg`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({
			client_name: options.name ?? 'smtp-sequence tests',
			redirect_uris: [redirectUri],
			token_endpoint_auth_method: options.authMethod ?? 'client_secret_basic',
			...(options.accessTokenTtl ? { access_token_ttl: options.accessTokenTtl } : {}),
			...(options.refreshTokenTtl ? { refresh_token_ttl: options.refreshTokenTtl } : {}),
		}),
	}).catch((error: unknown) => {
		throw new Error(
			`The OAuth2 authorization server of the test mail stack is not answering at ${oauthUrl} (${(error as Error).message}). ` +
				'Run npm ci, then bash test/mailstack/mailstack.sh start (it starts the server).',
		);
	});
	const body = (await response.json()) as { client_id?: string; client_secret?: string; error_description?: string };
	if (!response.ok || !body.client_id || !body.client_secret) {
		throw new Error(`client registration failed (${response.status}): ${body.error_description ?? JSON.stringify(body)}`);
	}
	return { clientId: body.client_id, clientSecret: body.client_secret, redirectUri };
}

/** A cookie jar of one: enough for the provider's interaction and session cookies. */
class Cookies {
	private readonly jar = new Map<string, string>();

	take(response: Response): void {
		for (const line of response.headers.getSetCookie()) {
			const [pair] = line.split(';');
			const eq = pair.indexOf('=');
			if (eq > 0) this.jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
		}
	}

	header(): string {
		return [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
	}
}

/**
 * Follows redirects by hand (fetch does not keep cookies across them) until the next page or the client's
 * redirect URI; returns the final response and its URL.
 */
async function browse(url: string, cookies: Cookies, init: RequestInit = {}): Promise<{ url: string; response: Response }> {
	let current = url;
	let request: RequestInit = init;
	for (let hop = 0; hop < 10; hop++) {
		const response = await fetch(current, { ...request, redirect: 'manual', headers: { ...(request.headers ?? {}), cookie: cookies.header() } });
		cookies.take(response);
		const location = response.headers.get('location');
		if (response.status < 300 || response.status >= 400 || !location) return { url: current, response };
		await response.arrayBuffer();
		current = new URL(location, current).toString();
		if (!current.startsWith(oauthUrl)) return { url: current, response };
		request = {};
	}
	throw new Error(`too many redirects from ${url}`);
}

function formPost(fields: Record<string, string>): RequestInit {
	return { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() };
}

/**
 * Signs in as `user` (a stack address) and consents, like a person in a browser; returns the authorization
 * code the server redirected to the client with.
 */
export async function authorizationCode(client: OAuthClient, user: string, password: string, scope = MAIL_SCOPES): Promise<string> {
	const cookies = new Cookies();
	const state = Math.random().toString(36).slice(2);
	const authorize = new URL(`${oauthUrl}/auth`);
	authorize.search = new URLSearchParams({ client_id: client.clientId, response_type: 'code', redirect_uri: client.redirectUri, scope, state, prompt: 'consent' }).toString();
	let page = await browse(authorize.toString(), cookies);
	for (let step = 0; step < 4; step++) {
		if (page.url.startsWith(client.redirectUri)) {
			const query = new URL(page.url).searchParams;
			if (query.get('state') !== state) throw new Error('state mismatch in the authorization response');
			const code = query.get('code');
			if (!code) throw new Error(`authorization failed: ${query.get('error')}: ${query.get('error_description')}`);
			return code;
		}
		const html = await page.response.text();
		const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
		if (!action) throw new Error(`unexpected page at ${page.url} (${page.response.status}): ${html.slice(0, 300)}`);
		const target = new URL(action.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))), oauthUrl).toString();
		page = action.endsWith('/login') ? await browse(target, cookies, formPost({ email: user, password })) : await browse(target, cookies, formPost({}));
	}
	throw new Error('the authorization flow did not end at the redirect URI');
}

async function tokenRequest(client: OAuthClient, fields: Record<string, string>): Promise<TokenResponse> {
	const response = await fetch(`${oauthUrl}/token`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
		},
		body: new URLSearchParams(fields).toString(),
	});
	const body = (await response.json()) as TokenResponse & { error?: string; error_description?: string };
	if (!response.ok) throw new OAuthHttpError(response.status, body.error ?? 'unknown', body.error_description ?? '');
	return body;
}

/** The whole flow: sign in, consent, exchange the code; returns access and refresh token. */
export async function connect(client: OAuthClient, user: string, password: string, scope = MAIL_SCOPES): Promise<TokenResponse> {
	const code = await authorizationCode(client, user, password, scope);
	return tokenRequest(client, { grant_type: 'authorization_code', code, redirect_uri: client.redirectUri });
}

/** Uses a refresh token (the server rotates it: use the returned one next time). */
export async function refresh(client: OAuthClient, refreshToken: string): Promise<TokenResponse> {
	return tokenRequest(client, { grant_type: 'refresh_token', refresh_token: refreshToken });
}

/** Revokes a token (RFC 7009); revoking a refresh token ends its whole grant. */
export async function revoke(client: OAuthClient, token: string, hint: 'refresh_token' | 'access_token' = 'refresh_token'): Promise<void> {
	const response = await fetch(`${oauthUrl}/token/revocation`, {
		method: 'POST',
		headers: {
			'content-type': 'application/x-www-form-urlencoded',
			authorization: `Basic ${Buffer.from(`${encodeURIComponent(client.clientId)}:${encodeURIComponent(client.clientSecret)}`).toString('base64')}`,
		},
		body: new URLSearchParams({ token, token_type_hint: hint }).toString(),
	});
	if (!response.ok) throw new Error(`revocation failed: ${response.status} ${await response.text()}`);
}

/** The server's event log since `since` (a seq). */
export async function serverEvents(since = 0): Promise<ServerEvent[]> {
	const response = await fetch(`${oauthUrl}/_test/events?since=${since}`);
	return (await response.json()) as ServerEvent[];
}

export { tokenHash, type ServerEvent } from '../oauth-server/events';

/**
 * Data of an "Outreach Mailbox (OAuth2)" credential for a stack user, as n8n stores it after *Connect*:
 * the client, the server's endpoints, the mailbox's servers and the token response in `oauthTokenData`
 * (with `n8n_expires_at`, as n8n 2.x adds it; `expiresInMs` overrides when the stored token expires).
 */
export function oauthCredentialFor(
	user: string,
	client: OAuthClient,
	tokens: TokenResponse,
	options: { expiresInMs?: number } = {},
): Record<string, unknown> {
	const email = addressOf(user);
	return {
		grantType: 'authorizationCode',
		authUrl: `${oauthUrl}/auth`,
		accessTokenUrl: `${oauthUrl}/token`,
		clientId: client.clientId,
		clientSecret: client.clientSecret,
		authentication: 'header',
		mailScopes: MAIL_SCOPES,
		scope: MAIL_SCOPES,
		email,
		senderName: user,
		smtpHost: stack.host,
		smtpPort: stack.submissionPort,
		smtpSecurity: 'starttls',
		imapHost: stack.host,
		imapPort: stack.imapsPort,
		imapSecurity: 'tls',
		trustedCa: stackCa(),
		oauthTokenData: { ...tokens, n8n_expires_at: String(Date.now() + (options.expiresInMs ?? tokens.expires_in * 1000)) },
	};
}
