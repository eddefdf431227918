/**
 * Looks for OAuth2 secrets in what n8n wrote (its log, saved executions): the client secret as it is, every
 * token the authorization server issued to the client, and SASL XOAUTH2 / OAUTHBEARER strings (base64 of
 * `…auth=Bearer <token>…`). The server's event log keeps tokens only as hashes, so tokens are recognised by
 * hashing each candidate: every window of a known token length inside a run of base64url characters.
 */
import { tokenHash } from '../../test/oauth-server/events';

/** What to look for. */
export interface KnownSecrets {
	/** Strings that must never appear as they are (the client secret). */
	literals: string[];
	/** `tokenHash` of every access and refresh token issued to the client. */
	tokenHashes: ReadonlySet<string>;
	/** Lengths of the issued tokens (the server's opaque tokens all have one length). */
	tokenLengths: ReadonlySet<number>;
}

/** One secret found; `excerpt` shows where, with the secret itself replaced. */
export interface SecretFinding {
	source: string;
	kind: 'literal' | 'token' | 'sasl';
	excerpt: string;
}

/** Runs of base64url characters: the shape of an opaque token (and of much else). */
const BASE64URL_RUN = /[\w-]{16,}/g;
/** Runs of standard base64 long enough to carry `auth=Bearer <token>`. */
const BASE64_RUN = /[A-Za-z0-9+/]{40,}={0,2}/g;
/** RFC 7628 / Google's XOAUTH2: both carry the token as `auth=Bearer <token>`. */
const SASL_BEARER = /auth=Bearer /i;

function excerpt(text: string, at: number, length: number): string {
	const before = text.slice(Math.max(0, at - 60), at);
	const after = text.slice(at + length, at + length + 60);
	return `${before}[secret, ${length} chars]${after}`.replace(/\s+/g, ' ');
}

/** Every secret of `known` that occurs in `text` (`source` names the text in the findings). */
export function findSecrets(text: string, source: string, known: KnownSecrets): SecretFinding[] {
	const findings: SecretFinding[] = [];
	for (const literal of known.literals) {
		if (!literal) continue;
		for (let at = text.indexOf(literal); at >= 0; at = text.indexOf(literal, at + literal.length)) {
			findings.push({ source, kind: 'literal', excerpt: excerpt(text, at, literal.length) });
		}
	}
	for (const run of text.matchAll(BASE64URL_RUN)) {
		for (const length of known.tokenLengths) {
			for (let offset = 0; offset + length <= run[0].length; offset++) {
				if (known.tokenHashes.has(tokenHash(run[0].slice(offset, offset + length)))) {
					findings.push({ source, kind: 'token', excerpt: excerpt(text, (run.index ?? 0) + offset, length) });
				}
			}
		}
	}
	for (const run of text.matchAll(BASE64_RUN)) {
		if (SASL_BEARER.test(Buffer.from(run[0], 'base64').toString('latin1'))) {
			findings.push({ source, kind: 'sasl', excerpt: excerpt(text, run.index ?? 0, run[0].length) });
		}
	}
	return findings;
}
