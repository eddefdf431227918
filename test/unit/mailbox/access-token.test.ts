/**
 * The access token source: refreshes before expiry, single-flight, once more after a refusal, and says in
 * plain words why a mailbox cannot sign in — never with a token in the message.
 */
import { SequenceError } from '../../../core/errors';
import {
	AccessTokenSource,
	MAX_REFRESH_MARGIN_MS,
	expiryOf,
	refreshMargin,
	type OAuth2TokenData,
	type RefreshToken,
} from '../../../core/mailbox/access-token';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const HOUR_S = 3600;

class Clock {
	constructor(public t = T0) {}
	now = () => this.t;
	advance(ms: number) {
		this.t += ms;
	}
}

/** A provider that issues a new access token (and rotates the refresh token) on each refresh. */
function provider(clock: Clock, lifetimeS = HOUR_S) {
	let n = 0;
	const refresh = jest.fn<Promise<OAuth2TokenData>, []>(async () => {
		n += 1;
		return { access_token: `access-${n}`, refresh_token: `refresh-${n}`, expires_in: lifetimeS, n8n_expires_at: String(clock.t + lifetimeS * 1000) };
	});
	return { refresh };
}

function stored(clock: Clock, overrides: OAuth2TokenData = {}): OAuth2TokenData {
	return { access_token: 'access-0', refresh_token: 'refresh-0', expires_in: HOUR_S, n8n_expires_at: String(clock.t + HOUR_S * 1000), ...overrides };
}

function source(data: OAuth2TokenData | undefined, refresh: RefreshToken | undefined, clock: Clock, providerId: 'microsoft' | 'google' | 'other' = 'microsoft') {
	return new AccessTokenSource(data, { refresh, provider: providerId, credentialName: 'Sales mailbox', now: clock.now });
}

function thrown(fn: () => unknown): SequenceError {
	try {
		fn();
	} catch (error) {
		if (error instanceof SequenceError) return error;
		throw error;
	}
	throw new Error('expected an error');
}

async function rejected(promise: Promise<unknown>): Promise<SequenceError> {
	try {
		await promise;
	} catch (error) {
		if (error instanceof SequenceError) return error;
		throw error;
	}
	throw new Error('expected a rejection');
}

describe('refresh margin and expiry', () => {
	it('replaces a token a quarter of its lifetime before expiry, never more than 5 minutes before', () => {
		expect(refreshMargin(60_000)).toBe(15_000);
		expect(refreshMargin(HOUR_S * 1000)).toBe(MAX_REFRESH_MARGIN_MS);
		expect(refreshMargin(undefined)).toBe(MAX_REFRESH_MARGIN_MS);
	});

	it('stored token data: only n8n_expires_at tells (expires_in is relative to an unknown moment)', () => {
		expect(expiryOf({ n8n_expires_at: '1800000000000', expires_in: 3600 })).toBe(1800000000000);
		expect(expiryOf({ expires_in: 3600 })).toBeUndefined();
	});

	it('a refresh answer: n8n_expires_at when ahead and not later than receipt + expires_in; a stale one is ignored', () => {
		expect(expiryOf({ expires_in: 3600 }, T0)).toBe(T0 + 3600_000);
		expect(expiryOf({ expires_in: 3600, n8n_expires_at: String(T0 + 1000_000) }, T0)).toBe(T0 + 1000_000); // another worker refreshed earlier
		expect(expiryOf({ expires_in: 3600, n8n_expires_at: String(T0 - 5) }, T0)).toBe(T0 + 3600_000); // n8n 1.x leftover
		expect(expiryOf({}, T0)).toBe(T0 + 10 * 60_000);
	});
});

describe('AccessTokenSource', () => {
	it('hands out the stored token while it is valid beyond the margin, without refreshing', async () => {
		const clock = new Clock();
		const { refresh } = provider(clock);
		const tokens = source(stored(clock), refresh, clock);
		clock.advance(50 * 60_000); // 10 minutes left, margin 5
		await expect(tokens.current()).resolves.toEqual({ value: 'access-0', expiresAt: T0 + HOUR_S * 1000, refreshAt: T0 + HOUR_S * 1000 - MAX_REFRESH_MARGIN_MS });
		expect(refresh).not.toHaveBeenCalled();
	});

	it('refreshes shortly before expiry, not after it', async () => {
		const clock = new Clock();
		const { refresh } = provider(clock);
		const tokens = source(stored(clock), refresh, clock);
		clock.advance(HOUR_S * 1000 - MAX_REFRESH_MARGIN_MS); // exactly at the margin
		const token = await tokens.current();
		expect(token.value).toBe('access-1');
		expect(token.expiresAt).toBe(clock.t + HOUR_S * 1000);
		expect(refresh).toHaveBeenCalledTimes(1);
	});

	it('with no known expiry (token data from n8n 1.x) refreshes once before first use, then not again', async () => {
		const clock = new Clock();
		const { refresh } = provider(clock);
		const tokens = source({ access_token: 'access-0', refresh_token: 'refresh-0', expires_in: HOUR_S }, refresh, clock);
		expect((await tokens.current()).value).toBe('access-1');
		expect((await tokens.current()).value).toBe('access-1');
		expect(refresh).toHaveBeenCalledTimes(1);
	});

	it('concurrent callers share one refresh (one HTTP call to the provider, one rotation)', async () => {
		const clock = new Clock();
		const { refresh } = provider(clock);
		const tokens = source(stored(clock, { n8n_expires_at: String(T0 - 1) }), refresh, clock);
		const all = await Promise.all([tokens.current(), tokens.current(), tokens.renew('access-0')]);
		expect(all.map((t) => t.value)).toEqual(['access-1', 'access-1', 'access-1']);
		expect(refresh).toHaveBeenCalledTimes(1);
	});

	it('after a refusal refreshes once; a refusal of an already replaced token gets the newer one without a refresh', async () => {
		const clock = new Clock();
		const { refresh } = provider(clock);
		const tokens = source(stored(clock), refresh, clock);
		expect((await tokens.renew('access-0')).value).toBe('access-1');
		expect((await tokens.renew('access-0')).value).toBe('access-1');
		expect(refresh).toHaveBeenCalledTimes(1);
		expect((await tokens.renew('access-1')).value).toBe('access-2');
	});

	it('a credential never connected: says to connect it', () => {
		const clock = new Clock();
		const error = thrown(() => source(undefined, provider(clock).refresh, clock));
		expect(error.code).toBe('OAUTH2_NOT_CONNECTED');
		expect(error.message).toMatch(/Sales mailbox.*not connected/);
	});

	it('no refresh token (offline_access missing): fails at once with the fix, instead of an hour later', () => {
		const clock = new Clock();
		const error = thrown(() => source(stored(clock, { refresh_token: undefined }), provider(clock).refresh, clock));
		expect(error.code).toBe('OAUTH2_RECONNECT');
		expect(error.message).toMatch(/no refresh token/);
		expect(error.hint).toMatch(/offline_access/);
	});

	it('n8n without helpers.refreshOAuth2Token: a clear error naming the n8n version, never a silently expiring token', () => {
		const clock = new Clock();
		const error = thrown(() => source(stored(clock), undefined, clock));
		expect(error.code).toBe('OAUTH2_UNSUPPORTED_N8N');
		expect(error.hint).toMatch(/1\.119/);
	});

	it.each([
		['n8n 2.x', Object.assign(new Error('The credential "Sales mailbox" needs to be reconnected.'), { failure: { cause: 'credential-invalid' } })],
		[
			'n8n 1.x',
			Object.assign(new Error('The provided authorization grant is invalid'), {
				body: { error: 'invalid_grant', error_description: 'AADSTS700082: The refresh token has expired due to inactivity.' },
			}),
		],
	])('a revoked or expired refresh token (%s) says: reconnect the credential', async (_n8n, failure) => {
		const clock = new Clock();
		const tokens = source(stored(clock, { n8n_expires_at: String(T0 - 1) }), async () => Promise.reject(failure), clock);
		const error = await rejected(tokens.current());
		expect(error.code).toBe('OAUTH2_RECONNECT');
		expect(error.temporary).toBe(false);
		expect(error.message).toMatch(/expired or was revoked/);
		expect(error.hint).toMatch(/Open the credential and connect it again/);
	});

	it('Google: names the 7-day expiry of apps in testing mode', async () => {
		const clock = new Clock();
		const failure = Object.assign(new Error('invalid_grant'), { body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' } });
		const tokens = source(stored(clock, { n8n_expires_at: String(T0 - 1) }), async () => Promise.reject(failure), clock, 'google');
		const error = await rejected(tokens.current());
		expect(error.message).toContain('Token has been expired or revoked.');
		expect(error.hint).toMatch(/Testing.*7 days.*publish/);
	});

	it('a refresh that fails for another reason is temporary, and its message carries no token', async () => {
		const clock = new Clock();
		const failure = new Error('connect ECONNREFUSED 127.0.0.1:443 while refreshing refresh-0 access-0');
		const tokens = source(stored(clock, { n8n_expires_at: String(T0 - 1) }), async () => Promise.reject(failure), clock);
		const error = await rejected(tokens.current());
		expect(error.code).toBe('OAUTH2_REFRESH_FAILED');
		expect(error.temporary).toBe(true);
		expect(error.message).not.toMatch(/refresh-0|access-0/);
	});

	it('lists every token it held, for scrubbing', async () => {
		const clock = new Clock();
		const tokens = source(stored(clock), provider(clock).refresh, clock);
		await tokens.renew('access-0');
		expect(tokens.secrets().sort()).toEqual(['access-0', 'access-1', 'refresh-0', 'refresh-1']);
	});
});
