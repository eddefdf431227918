/**
 * A real OAuth 2.0 authorization server on loopback for the tests, the e2e run and the demo, built on
 * `oidc-provider` (panva's certified OpenID Connect / OAuth 2.0 server). It plays the part Microsoft's
 * or Google's identity platform plays for a real mailbox:
 *
 * - authorization-code flow with a sign-in page (the mail stack's users and password) and a consent
 *   page that a person or a headless browser clicks through;
 * - short-lived opaque access tokens (OAUTH_ACCESS_TOKEN_TTL seconds, default 60; a client registered
 *   with `access_token_ttl` gets its own) and refresh tokens (scope `offline_access`), rotated on every
 *   use like Microsoft's — re-using a consumed one revokes the whole grant;
 * - token introspection (RFC 7662) for Dovecot's `oauth2` passdb, revocation (RFC 7009) and open
 *   dynamic client registration (RFC 7591), so each test registers its own client.
 *
 * `GET /_test/events` returns what the server did (tokens issued, introspections, revocations) with
 * token hashes, never tokens, so tests can check which token a login used.
 *
 * Started by test/mailstack/mailstack.sh (`tsx test/oauth-server/server.ts`), configured by environment:
 * OAUTH_PORT, OAUTH_USERS_FILE (Dovecot's passwd-file: the accounts), OAUTH_INTROSPECTION_SECRET
 * (Dovecot's client secret), OAUTH_ACCESS_TOKEN_TTL.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { tokenHash, type ServerEvent } from './events';
import { consentPage, loginPage } from './pages';

const HOST = '127.0.0.1';
const PORT = Number(process.env.OAUTH_PORT ?? 1980);
const USERS_FILE = process.env.OAUTH_USERS_FILE ?? '/tmp/smtp-sequence-mailstack/dovecot/users';
const INTROSPECTION_CLIENT_ID = 'dovecot';
const INTROSPECTION_SECRET = process.env.OAUTH_INTROSPECTION_SECRET ?? '';
/** Access token lifetime unless the client was registered with its own `access_token_ttl`. */
const ACCESS_TOKEN_TTL_S = Number(process.env.OAUTH_ACCESS_TOKEN_TTL ?? 60);
/** Refresh token lifetime unless the client was registered with its own `refresh_token_ttl`. */
const REFRESH_TOKEN_TTL_S = 14 * 24 * 3600;
/** The mail scope, the counterpart of Microsoft's IMAP.AccessAsUser.All / SMTP.Send and Google's mail.google.com. */
const MAIL_SCOPE = 'mail';
/** Bound on a form POST body: the sign-in form is two short fields. */
const MAX_FORM_BYTES = 16 * 1024;
/** Bound on the kept events (oldest dropped first). */
const MAX_EVENTS = 20_000;

if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) throw new Error(`OAUTH_PORT must be a port number, got "${process.env.OAUTH_PORT}"`);
if (INTROSPECTION_SECRET.length < 16) throw new Error('OAUTH_INTROSPECTION_SECRET must be set (at least 16 characters)');

const issuer = `http://${HOST}:${PORT}`;

/** The mail stack's accounts: address → password, read from Dovecot's passwd-file on each sign-in. */
function accounts(): Map<string, string> {
	const result = new Map<string, string>();
	for (const line of readFileSync(USERS_FILE, 'utf8').split('\n')) {
		// "u151@example.test:{PLAIN}secret::::::"
		const match = /^([^:]+):\{PLAIN\}([^:]*):/.exec(line);
		if (match) result.set(match[1].toLowerCase(), match[2]);
	}
	return result;
}

const events: ServerEvent[] = [];
let eventSeq = 0;

function record(event: Omit<ServerEvent, 'seq' | 'at'>): void {
	events.push({ seq: ++eventSeq, at: Date.now(), ...event });
	if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
}

function field(body: unknown, key: string): unknown {
	return body && typeof body === 'object' ? (body as Record<string, unknown>)[key] : undefined;
}

function hashOf(value: unknown): string | undefined {
	return typeof value === 'string' && value ? tokenHash(value) : undefined;
}

function positiveSeconds(value: unknown, fallback: number): number {
	return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : fallback;
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'test-signing-key', use: 'sig', alg: 'RS256' };

const configuration: Configuration = {
	clients: [
		{
			// Dovecot's oauth2 passdb: introspects tokens, never asks for one
			client_id: INTROSPECTION_CLIENT_ID,
			client_secret: INTROSPECTION_SECRET,
			grant_types: [],
			response_types: [],
			redirect_uris: [],
			token_endpoint_auth_method: 'client_secret_basic',
		},
	],
	clientDefaults: {
		grant_types: ['authorization_code', 'refresh_token'],
		response_types: ['code'],
		token_endpoint_auth_method: 'client_secret_basic',
	},
	extraClientMetadata: {
		properties: ['access_token_ttl', 'refresh_token_ttl'],
		validator(_ctx, key, value) {
			if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value > 0)) {
				throw new errors.InvalidClientMetadata(`${key} must be a positive whole number of seconds`);
			}
		},
	},
	scopes: ['openid', 'offline_access', 'email', MAIL_SCOPE],
	claims: { openid: ['sub'], email: ['email'] },
	async findAccount(_ctx, id) {
		if (!accounts().has(id)) return undefined;
		return { accountId: id, claims: () => ({ sub: id, email: id }) };
	},
	features: {
		devInteractions: { enabled: false },
		introspection: {
			enabled: true,
			// Dovecot may introspect every token; a client only its own
			allowedPolicy: (_ctx, client, token) => client.clientId === INTROSPECTION_CLIENT_ID || token.clientId === client.clientId,
		},
		revocation: { enabled: true },
		registration: { enabled: true },
	},
	pkce: { required: () => false },
	// Microsoft rotates refresh tokens on every use; the strict form here also revokes the grant when a
	// consumed one comes back (two refreshes racing without n8n's lock), so such a race cannot hide.
	rotateRefreshToken: true,
	ttl: {
		AccessToken: (_ctx, _token, client) => positiveSeconds(client['access_token_ttl'], ACCESS_TOKEN_TTL_S),
		RefreshToken: (_ctx, _token, client) => positiveSeconds(client['refresh_token_ttl'], REFRESH_TOKEN_TTL_S),
		AuthorizationCode: 120,
		Interaction: 3600,
		Session: 3600,
		Grant: REFRESH_TOKEN_TTL_S,
		IdToken: 3600,
	},
	cookies: { keys: [randomBytes(32).toString('hex')] },
	jwks: { keys: [signingKey] },
};

const provider = new Provider(issuer, configuration);

provider.use(async (ctx: KoaContextWithOIDC, next) => {
	await next();
	const route = ctx.oidc?.route;
	if (route !== 'token' && route !== 'introspection' && route !== 'revocation') return;
	const recorded: ServerEvent['route'] = route;
	const params = ctx.oidc.params ?? {};
	const body: unknown = ctx.body;
	const base = { route: recorded, client: ctx.oidc.client?.clientId, status: ctx.status, error: field(body, 'error') as string | undefined };
	if (route === 'token') {
		record({
			...base,
			grantType: params.grant_type as string | undefined,
			presentedToken: hashOf(params.refresh_token),
			accessToken: hashOf(field(body, 'access_token')),
			refreshToken: hashOf(field(body, 'refresh_token')),
			expiresIn: field(body, 'expires_in') as number | undefined,
		});
	} else if (route === 'introspection') {
		record({
			...base,
			presentedToken: hashOf(params.token),
			active: field(body, 'active') === true,
			sub: field(body, 'sub') as string | undefined,
			tokenClient: field(body, 'client_id') as string | undefined,
			exp: field(body, 'exp') as number | undefined,
		});
	} else {
		record({ ...base, presentedToken: hashOf(params.token) });
	}
});

provider.on('server_error', (_ctx, error) => process.stderr.write(`[oauth] server error: ${error.message}\n`));

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
	let size = 0;
	const chunks: Buffer[] = [];
	for await (const chunk of req) {
		size += (chunk as Buffer).length;
		if (size > MAX_FORM_BYTES) throw new errors.InvalidRequest('form too large');
		chunks.push(chunk as Buffer);
	}
	return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function sendHtml(res: ServerResponse, html: string, status = 200): void {
	res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
	res.end(html);
}

async function clientName(clientId: unknown): Promise<string> {
	const client = typeof clientId === 'string' ? await provider.Client.find(clientId) : undefined;
	return client?.clientName ?? (typeof clientId === 'string' ? clientId : 'an application');
}

/** GET /interaction/:uid (the page for the pending prompt), POST …/login, POST …/confirm, GET …/abort. */
async function interaction(req: IncomingMessage, res: ServerResponse, uid: string, action: string | undefined): Promise<void> {
	const details = await provider.interactionDetails(req, res);
	const name = await clientName(details.params.client_id);
	if (req.method === 'GET' && action === undefined) {
		if (details.prompt.name === 'login') return sendHtml(res, loginPage(uid, name));
		const scopes = String(details.params.scope ?? '').split(' ').filter(Boolean);
		return sendHtml(res, consentPage(uid, name, details.session?.accountId ?? '', scopes));
	}
	if (req.method === 'POST' && action === 'login') {
		const form = await readForm(req);
		const email = (form.get('email') ?? '').trim().toLowerCase();
		const password = accounts().get(email);
		if (password === undefined || password !== form.get('password')) {
			return sendHtml(res, loginPage(uid, name, 'Wrong email address or password.', email), 401);
		}
		return provider.interactionFinished(req, res, { login: { accountId: email } }, { mergeWithLastSubmission: false });
	}
	if (req.method === 'POST' && action === 'confirm') {
		const { prompt, params, session } = details;
		if (prompt.name !== 'consent' || !session) throw new errors.InvalidRequest('nothing to consent to');
		const grant = details.grantId
			? await provider.Grant.find(details.grantId)
			: new provider.Grant({ accountId: session.accountId, clientId: String(params.client_id) });
		if (!grant) throw new errors.InvalidRequest('grant not found');
		const missingScope = prompt.details.missingOIDCScope;
		if (Array.isArray(missingScope)) grant.addOIDCScope(missingScope.map(String));
		const missingClaims = prompt.details.missingOIDCClaims;
		if (Array.isArray(missingClaims)) grant.addOIDCClaims(missingClaims.map(String));
		const grantId = await grant.save();
		return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
	}
	if (req.method === 'GET' && action === 'abort') {
		return provider.interactionFinished(
			req,
			res,
			{ error: 'access_denied', error_description: 'The user cancelled.' },
			{ mergeWithLastSubmission: false },
		);
	}
	sendHtml(res, 'Not found', 404);
}

const callback = provider.callback();

const server = createServer((req, res) => {
	const url = new URL(req.url ?? '/', issuer);
	const match = /^\/interaction\/([\w-]+)(?:\/(login|confirm|abort))?$/.exec(url.pathname);
	if (match) {
		interaction(req, res, match[1], match[2]).catch((error: unknown) => {
			const message = error instanceof Error ? error.message : String(error);
			if (!res.headersSent) sendHtml(res, `<p>The sign-in could not continue: ${message.replace(/[<>&]/g, '')}</p>`, 400);
			else res.end();
		});
		return;
	}
	if (url.pathname === '/_test/events' && req.method === 'GET') {
		const since = Number(url.searchParams.get('since') ?? 0);
		res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
		res.end(JSON.stringify(events.filter((e) => e.seq > since)));
		return;
	}
	callback(req, res);
});

server.listen(PORT, HOST, () => {
	process.stdout.write(`[oauth] authorization server ${issuer} (access tokens ${ACCESS_TOKEN_TTL_S} s)\n`);
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
	process.once(signal, () => server.close(() => process.exit(0)));
}
