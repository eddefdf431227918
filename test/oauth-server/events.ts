/**
 * What the test authorization server records about its work (`GET /_test/events`): shared by the server
 * and the tests that read it. Tokens appear only as hashes.
 */
import { createHash } from 'node:crypto';

/** First 16 hex digits of SHA-256: lets tests correlate tokens without the server ever logging one. */
export function tokenHash(token: string): string {
	return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

/** One request the server answered at the token, introspection or revocation endpoint. */
export interface ServerEvent {
	/** Ascending number; `GET /_test/events?since=N` returns the events after N. */
	seq: number;
	/** When it happened (ms since the epoch). */
	at: number;
	route: 'token' | 'introspection' | 'revocation';
	/** The authenticated client that called. */
	client?: string;
	/** HTTP status of the answer. */
	status: number;
	/** OAuth error code of the answer (`invalid_grant` …). */
	error?: string;
	/** Token endpoint: the grant type asked for. */
	grantType?: string;
	/** Token endpoint: hashes of the tokens issued. */
	accessToken?: string;
	refreshToken?: string;
	/** Hash of the token the caller presented (refresh token, introspected or revoked token). */
	presentedToken?: string;
	/** Token endpoint: lifetime of the issued access token (s). */
	expiresIn?: number;
	/** Introspection: the answer's `active`, `sub`, `client_id` and `exp`. */
	active?: boolean;
	sub?: string;
	tokenClient?: string;
	exp?: number;
}
