/**
 * The access token of an OAuth2 mailbox for one run or one trigger activation: hands out a token that is
 * still valid for a while, refreshes it *before* it expires (not after a failed login), refreshes once
 * more when a server refuses it, and turns every way this can fail into a sentence that says what to do.
 *
 * The refresh itself is n8n's (`helpers.refreshOAuth2Token`, which saves the new token in n8n's database
 * under n8n's lock); it is injected, like the clock, so this stays pure. See docs/design.md, "OAuth2
 * mailboxes".
 */
import { AuthorizationError } from '../errors';
import type { OAuth2ProviderId } from './oauth2-providers';

/** The token data n8n keeps in an OAuth2 credential (`oauthTokenData`), as far as we read it. */
export interface OAuth2TokenData {
	access_token?: unknown;
	refresh_token?: unknown;
	/** Lifetime in seconds at issue (RFC 6749 §5.1). */
	expires_in?: unknown;
	/** Set by n8n 2.x when it stores a token: expiry in ms since the epoch (a string). */
	n8n_expires_at?: unknown;
	[key: string]: unknown;
}

/** Refreshes the credential's token and returns the new token data (n8n's helper, bound to the credential). */
export type RefreshToken = () => Promise<OAuth2TokenData>;

/** A token to log in with, and when it stops working (ms since the epoch; undefined = unknown). */
export interface AccessToken {
	value: string;
	expiresAt?: number;
	/** From when on the source replaces it (expiry minus the refresh margin); sessions rotate then. */
	refreshAt?: number;
}

/** Which provider's words to use in errors ('other' = the generic credential). */
export type TokenProvider = OAuth2ProviderId | 'other';

/** Never refresh earlier than this before expiry: a provider's tokens live 60–90 minutes. */
export const MAX_REFRESH_MARGIN_MS = 5 * 60_000;
/** Lifetime assumed for a freshly issued token whose answer gave no `expires_in`. */
export const ASSUMED_LIFETIME_MS = 10 * 60_000;

/** How long before expiry a token is replaced: a quarter of its lifetime, at most 5 minutes. */
export function refreshMargin(lifetimeMs: number | undefined): number {
	if (!lifetimeMs || lifetimeMs <= 0) return MAX_REFRESH_MARGIN_MS;
	return Math.min(MAX_REFRESH_MARGIN_MS, Math.floor(lifetimeMs / 4));
}

function positiveNumber(value: unknown): number | undefined {
	const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
	return Number.isFinite(n) && n > 0 ? n : undefined;
}

function nonEmpty(value: unknown): string | undefined {
	return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/**
 * When a token stops working. Stored token data (`receivedAt` undefined): only n8n's absolute
 * `n8n_expires_at` says, else unknown. Token data just returned by a refresh: `n8n_expires_at` when it
 * lies ahead (n8n 2.x; exact also when another execution refreshed first), never later than receipt +
 * `expires_in` (n8n 1.x keeps a stale `n8n_expires_at` from the first sign-in).
 */
export function expiryOf(data: OAuth2TokenData, receivedAt?: number): number | undefined {
	const stamped = positiveNumber(data.n8n_expires_at);
	if (receivedAt === undefined) return stamped;
	const lifetimeS = positiveNumber(data.expires_in);
	const byLifetime = receivedAt + (lifetimeS ? lifetimeS * 1000 : ASSUMED_LIFETIME_MS);
	return stamped !== undefined && stamped > receivedAt ? Math.min(stamped, byLifetime) : byLifetime;
}

const RECONNECT_HINTS: Record<TokenProvider, string> = {
	microsoft:
		'Open the credential and connect it again (its "Connect" / "Reconnect" button). Microsoft ends a sign-in when the password changes, an admin revokes the sessions or the app\'s consent, or it was not used for 90 days.',
	google:
		'Open the credential and connect it again (its "Connect" / "Reconnect" button). While your OAuth app\'s publishing status is "Testing", Google ends the sign-in after 7 days: publish the app (Google Cloud → APIs & Services → OAuth consent screen) to keep it.',
	other: 'Open the credential and connect it again (its "Connect" / "Reconnect" button).',
};

const NO_REFRESH_TOKEN_HINTS: Record<TokenProvider, string> = {
	microsoft: 'Reconnect the credential; its scopes include offline_access, which makes Microsoft issue one.',
	google: 'Reconnect the credential; it asks Google with access_type=offline and prompt=consent, which makes Google issue one.',
	other:
		'Add the scope that makes your provider issue a refresh token (often offline_access) to Scopes — OpenID Connect servers also want prompt=consent in Auth URI Query Parameters — then reconnect the credential.',
};

/** Fields n8n and its OAuth client put on a refresh failure. */
interface RefreshErrorFields {
	message?: unknown;
	description?: unknown;
	failure?: { cause?: unknown };
	body?: { error?: unknown; error_description?: unknown };
	code?: unknown;
	status?: unknown;
}

function isRevoked(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const e = error as RefreshErrorFields;
	// n8n 2.x: NodeOperationError "The credential … needs to be reconnected." with failure.cause
	if (e.failure?.cause === 'credential-invalid') return true;
	// n8n 1.x: the OAuth client's AuthError carries the token endpoint's JSON
	if (e.body?.error === 'invalid_grant') return true;
	const message = typeof e.message === 'string' ? e.message : '';
	return /needs to be reconnected|invalid_grant|no refresh token is available/i.test(message);
}

/** The provider's own words (AADSTS…, "Token has been expired or revoked.") when it gave them. */
function providerDetail(error: unknown): string {
	if (typeof error !== 'object' || error === null) return '';
	const description = (error as RefreshErrorFields).body?.error_description;
	return typeof description === 'string' && description.trim() ? ` The provider said: "${description.trim().slice(0, 300)}".` : '';
}

/** Options of a token source. */
export interface AccessTokenSourceOptions {
	/** n8n's refresh; undefined when the running n8n has no `helpers.refreshOAuth2Token` (before 1.119). */
	refresh: RefreshToken | undefined;
	provider: TokenProvider;
	/** Name of the credential for messages ("Outreach Mailbox (Microsoft OAuth2)"). */
	credentialName: string;
	now?: () => number;
}

/** Hands out a valid access token; see the module comment. */
export class AccessTokenSource {
	private token: AccessToken | undefined;
	private lifetimeMs: number | undefined;
	private inflight: Promise<AccessToken> | undefined;
	private readonly seen = new Set<string>();
	private readonly now: () => number;
	private readonly refreshFn: RefreshToken;

	/**
	 * @throws AuthorizationError when the credential was never connected, holds no refresh token, or the
	 * running n8n cannot refresh tokens for nodes.
	 */
	constructor(
		stored: OAuth2TokenData | undefined,
		private readonly options: AccessTokenSourceOptions,
	) {
		this.now = options.now ?? Date.now;
		const { provider, credentialName } = options;
		const access = nonEmpty(stored?.access_token);
		if (!stored || !access) {
			throw new AuthorizationError(
				'OAUTH2_NOT_CONNECTED',
				`The credential "${credentialName}" is not connected to a mailbox yet.`,
				{ hint: 'Open the credential, enter the client ID and secret, press the connect button and sign in to the mailbox.' },
			);
		}
		const refreshToken = nonEmpty(stored.refresh_token);
		if (!refreshToken) {
			throw new AuthorizationError(
				'OAUTH2_RECONNECT',
				`The credential "${credentialName}" has no refresh token, so it would stop working when its access token expires (within the hour).`,
				{ hint: NO_REFRESH_TOKEN_HINTS[provider] },
			);
		}
		if (!options.refresh) {
			throw new AuthorizationError(
				'OAUTH2_UNSUPPORTED_N8N',
				'This n8n version cannot refresh OAuth2 tokens for community nodes, so an OAuth2 mailbox would stop working when its access token expires.',
				{ hint: 'Update n8n to 1.119 or newer (2.x recommended: it also coordinates refreshes between workers), or use the password credential.' },
			);
		}
		this.refreshFn = options.refresh;
		this.remember(access, refreshToken);
		this.lifetimeMs = (positiveNumber(stored.expires_in) ?? 0) * 1000 || undefined;
		this.token = this.withRefreshAt(access, expiryOf(stored));
	}

	/** Every token value this source has handed out or held: for scrubbing messages. */
	secrets(): string[] {
		return [...this.seen];
	}

	/** A token valid for longer than the refresh margin; refreshes first when needed (or when expiry is unknown). */
	async current(): Promise<AccessToken> {
		const token = this.token;
		if (token?.refreshAt !== undefined && token.refreshAt > this.now()) return token;
		return this.refreshOnce();
	}

	/**
	 * A server refused `rejected`: the newer token if another caller already refreshed, else a refreshed
	 * one. The caller retries its login once with it.
	 */
	async renew(rejected: string): Promise<AccessToken> {
		if (this.token && this.token.value !== rejected) return this.token;
		return this.refreshOnce();
	}

	private refreshOnce(): Promise<AccessToken> {
		this.inflight ??= this.refresh().finally(() => {
			this.inflight = undefined;
		});
		return this.inflight;
	}

	private async refresh(): Promise<AccessToken> {
		const { provider, credentialName } = this.options;
		let data: OAuth2TokenData;
		try {
			data = await this.refreshFn();
		} catch (error) {
			if (isRevoked(error)) {
				throw new AuthorizationError(
					'OAUTH2_RECONNECT',
					this.scrub(`The sign-in of the credential "${credentialName}" has expired or was revoked, so no new access token could be had.${providerDetail(error)}`),
					{ hint: RECONNECT_HINTS[provider], cause: error },
				);
			}
			const reason = error instanceof Error ? error.message : String(error);
			throw new AuthorizationError(
				'OAUTH2_REFRESH_FAILED',
				this.scrub(`Refreshing the access token of the credential "${credentialName}" failed: ${reason}`),
				{ hint: 'This is usually temporary (the sign-in server did not answer); the next run tries again.', cause: error },
			);
		}
		const access = nonEmpty(data.access_token);
		if (!access) {
			throw new AuthorizationError(
				'OAUTH2_REFRESH_FAILED',
				`Refreshing the access token of the credential "${credentialName}" returned no access token.`,
				{ hint: RECONNECT_HINTS[provider] },
			);
		}
		const receivedAt = this.now();
		this.remember(access, nonEmpty(data.refresh_token));
		this.lifetimeMs = (positiveNumber(data.expires_in) ?? 0) * 1000 || undefined;
		this.token = this.withRefreshAt(access, expiryOf(data, receivedAt));
		return this.token;
	}

	private withRefreshAt(value: string, expiresAt: number | undefined): AccessToken {
		return expiresAt === undefined ? { value } : { value, expiresAt, refreshAt: expiresAt - refreshMargin(this.lifetimeMs) };
	}

	private remember(...values: Array<string | undefined>): void {
		for (const value of values) if (value) this.seen.add(value);
	}

	private scrub(message: string): string {
		let out = message;
		for (const secret of this.seen) out = out.split(secret).join('[redacted]');
		return out;
	}
}
