/**
 * The signed token of a one-click unsubscribe link (RFC 8058). It carries what is needed to stop the
 * prospect — sequence key and address — so the receiving webhook needs no database, and shows neither:
 * the link travels through mail providers, proxies and their logs.
 *
 * Construction (deterministic authenticated encryption, the SIV pattern of RFC 5297 with HMAC as the PRF):
 *   keys     encKey, macKey = HKDF-SHA256(secret, salt, "enc" | "mac"), 32 bytes each
 *   plain    version (1) ‖ expiry day (4, days since 1970-01-01 UTC) ‖ key length (2) ‖ key ‖ address
 *   tag      first 16 bytes of HMAC-SHA256(macKey, plain)
 *   cipher   AES-256-CTR(encKey, counter block = tag, plain)
 *   token    base64url(tag ‖ cipher)
 * Verifying decrypts with the tag, recomputes the HMAC over the plaintext and compares in constant time:
 * any changed bit, another secret or a made-up token fails; only then is the plaintext read. The same
 * prospect, sequence and day always give the same token (a retry renders the same link).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { InputError } from '../errors';
import { ledgerAddress } from './message-id';

/** Shortest secret accepted: 16 characters, which a password manager or `openssl rand -hex 16` gives. */
export const MIN_UNSUBSCRIBE_SECRET_LENGTH = 16;
/**
 * How long a link keeps working after the email went out. US CAN-SPAM wants at least 30 days; a prospect
 * may dig out an old email months later, and a link that no longer works earns a spam complaint.
 */
export const UNSUBSCRIBE_LINK_DAYS = 365;
/** Longest token read: a longer one is refused before any decoding (it arrives from the Internet). */
export const MAX_TOKEN_LENGTH = 600;

const VERSION = 1;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + 4 + 2;
const DAY_MS = 86_400_000;
const SALT = 'n8n-nodes-smtp-sequence/unsubscribe-link';

/** What a token carries. */
export interface UnsubscribeClaim {
	sequenceKey: string;
	/** The prospect's address in ledger form (trimmed, lower-case). */
	address: string;
	/** The first day (UTC) on which the link no longer works. */
	expiresAt: Date;
}

/** Why a token was refused; the webhook answers each differently. */
export type TokenRefusal = 'missing' | 'malformed' | 'forged' | 'expired';

/** The outcome of {@link verifyUnsubscribeToken}: never an exception, whatever arrives. */
export type TokenCheck = ({ ok: true } & UnsubscribeClaim) | { ok: false; refusal: TokenRefusal; message: string };

function keysOf(secret: string): { enc: Buffer; mac: Buffer } {
	const derive = (info: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), SALT, info, 32));
	return { enc: derive('enc'), mac: derive('mac') };
}

/** Checks the secret where it enters: empty or short secrets make forgeable links. */
export function checkUnsubscribeSecret(secret: string, parameter: string): string {
	if (secret.length < MIN_UNSUBSCRIBE_SECRET_LENGTH) {
		throw new InputError(
			'INVALID_PARAMETER',
			`${parameter} is ${secret.length === 0 ? 'empty' : `${secret.length} characters long`}; it needs at least ${MIN_UNSUBSCRIBE_SECRET_LENGTH}.`,
			{ hint: 'Use a long random text (e.g. the output of `openssl rand -hex 32`), the same in the sending workflow and in the unsubscribe webhook.' },
		);
	}
	return secret;
}

function tagOf(mac: Buffer, plain: Buffer): Buffer {
	return createHmac('sha256', mac).update(plain).digest().subarray(0, TAG_BYTES);
}

/**
 * The token for (sequence, prospect), valid until {@link UNSUBSCRIBE_LINK_DAYS} after the UTC day of `now`.
 * The secret must have passed {@link checkUnsubscribeSecret}.
 */
export function signUnsubscribeToken(sequenceKey: string, address: string, secret: string, now: Date): string {
	const key = Buffer.from(sequenceKey, 'utf8');
	const addr = Buffer.from(ledgerAddress(address), 'utf8');
	if (key.length > 0xffff) throw new RangeError('sequence key too long for an unsubscribe token');
	const expiryDay = Math.floor(now.getTime() / DAY_MS) + UNSUBSCRIBE_LINK_DAYS;
	const header = Buffer.alloc(HEADER_BYTES);
	header.writeUInt8(VERSION, 0);
	header.writeUInt32BE(expiryDay, 1);
	header.writeUInt16BE(key.length, 5);
	const plain = Buffer.concat([header, key, addr]);
	const { enc, mac } = keysOf(secret);
	const tag = tagOf(mac, plain);
	const cipher = createCipheriv('aes-256-ctr', enc, tag);
	return Buffer.concat([tag, cipher.update(plain), cipher.final()]).toString('base64url');
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function refuse(refusal: TokenRefusal, message: string): TokenCheck {
	return { ok: false, refusal, message };
}

/**
 * Reads a token from an unsubscribe link. Anything that was not made by {@link signUnsubscribeToken}
 * with this secret is refused (`forged`), as is a token past its day (`expired`); nothing is read from
 * a token before its tag has been checked.
 */
export function verifyUnsubscribeToken(token: unknown, secret: string, now: Date): TokenCheck {
	if (typeof token !== 'string' || token.trim() === '') {
		return refuse('missing', 'The link carries no unsubscribe token (query parameter "t").');
	}
	const text = token.trim();
	if (text.length > MAX_TOKEN_LENGTH || !BASE64URL.test(text)) {
		return refuse('malformed', 'The unsubscribe token is not one this sender issued (wrong length or characters).');
	}
	const raw = Buffer.from(text, 'base64url');
	if (raw.length < TAG_BYTES + HEADER_BYTES + 1) {
		return refuse('malformed', 'The unsubscribe token is too short to be one this sender issued.');
	}
	const { enc, mac } = keysOf(secret);
	const tag = raw.subarray(0, TAG_BYTES);
	const decipher = createDecipheriv('aes-256-ctr', enc, tag);
	const plain = Buffer.concat([decipher.update(raw.subarray(TAG_BYTES)), decipher.final()]);
	if (!timingSafeEqual(tagOf(mac, plain), tag)) {
		return refuse('forged', 'The unsubscribe token is not valid: it was changed, or signed with another secret.');
	}
	// signed by us: the layout is ours, but read it defensively all the same
	const keyLength = plain.readUInt16BE(5);
	if (plain.readUInt8(0) !== VERSION || HEADER_BYTES + keyLength >= plain.length) {
		return refuse('malformed', 'The unsubscribe token has a layout this version does not read.');
	}
	const expiresAt = new Date(plain.readUInt32BE(1) * DAY_MS);
	const sequenceKey = plain.subarray(HEADER_BYTES, HEADER_BYTES + keyLength).toString('utf8');
	const address = plain.subarray(HEADER_BYTES + keyLength).toString('utf8');
	if (now.getTime() >= expiresAt.getTime()) {
		return refuse('expired', `The unsubscribe link expired on ${expiresAt.toISOString().slice(0, 10)}. Reply to the email to be removed.`);
	}
	return { ok: true, sequenceKey, address, expiresAt };
}

/**
 * The link that goes into `List-Unsubscribe` and the footer: the webhook's URL with the token as query
 * parameter `t` (other parameters of the URL are kept). The caller normalises and checks the result
 * (`normaliseUnsubscribeUrl`).
 */
export function unsubscribeLink(webhookUrl: URL, token: string): string {
	const url = new URL(webhookUrl.href);
	url.searchParams.set('t', token);
	return url.href;
}
