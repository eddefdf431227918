/**
 * Checks on a mail server's certificate that the credential's TLS options ask for, as pure functions of the
 * certificate, the host name the user entered and the time: is it a self-signed leaf valid for that host
 * today, and does it match a pinned SHA-256 fingerprint. The transport fetches the certificate
 * (transport/server-certificate.ts); Node and OpenSSL verify the real connection again.
 */
import type { X509Certificate } from 'node:crypto';
import { InputError, type ErrorCode } from '../errors';
import { ipLiteralOf } from './host';

/** Why a certificate is refused, in a sentence that completes "its TLS certificate …". */
export interface CertificateProblem {
	code: Extract<ErrorCode, 'CERT_UNTRUSTED' | 'CERT_EXPIRED' | 'CERT_NOT_YET_VALID' | 'CERT_HOSTNAME_MISMATCH' | 'CERT_FINGERPRINT_MISMATCH'>;
	reason: string;
}

/** A SHA-256 fingerprint has 32 bytes. */
const FINGERPRINT_BYTES = 32;

/**
 * A SHA-256 fingerprint in the form Node and browsers show it (`AB:CD:…`, upper case), from what a user
 * pastes: hex with or without colons, spaces or dashes, any case, optionally prefixed "SHA256:" or
 * "sha256 Fingerprint=" (openssl's output). Undefined when it is not 32 bytes of hex.
 */
export function normaliseFingerprint(text: string): string | undefined {
	const hex = text.trim().replace(/^sha-?256(?:\s+fingerprint)?\s*[:=]?\s*/i, '').replace(/[\s:-]/g, '');
	if (hex.length !== FINGERPRINT_BYTES * 2 || !/^[0-9a-f]+$/i.test(hex)) return undefined;
	return hex.toUpperCase().match(/../g)?.join(':');
}

/**
 * The credential field "Pinned Certificate Fingerprints": fingerprints separated by commas, semicolons or
 * line breaks (the SMTP and the IMAP server may present different certificates).
 *
 * @throws InputError `INVALID_PARAMETER` naming the entry that is not a SHA-256 fingerprint.
 */
export function parseFingerprints(field: string | undefined): string[] {
	const entries = (field ?? '').split(/[,;\n]/).map((entry) => entry.trim()).filter((entry) => entry.length > 0);
	const fingerprints = entries.map((entry) => {
		const fingerprint = normaliseFingerprint(entry);
		if (!fingerprint) {
			throw new InputError(
				'INVALID_PARAMETER',
				`Pinned Certificate Fingerprints: "${entry.slice(0, 120)}" is not a SHA-256 fingerprint (64 hexadecimal digits, e.g. AB:CD:…).`,
				{ hint: 'Copy the fingerprint the credential test shows, or the output of: openssl x509 -noout -fingerprint -sha256' },
			);
		}
		return fingerprint;
	});
	return [...new Set(fingerprints)];
}

/**
 * True when the certificate was issued by itself: its issuer is its subject and its own key verifies its
 * signature (RFC 5280 §3.2 "self-signed"). Not `checkIssued(itself)`: OpenSSL's issuer check also wants
 * the keyCertSign usage, which a server's own leaf certificate rightly lacks.
 */
export function isSelfSigned(certificate: X509Certificate): boolean {
	return certificate.subject === certificate.issuer && certificate.verify(certificate.publicKey);
}

function validityDate(value: string): Date {
	// Node 20 gives "Jan  1 00:00:00 2021 GMT"; Date parses it
	return new Date(value);
}

/** The problem with the certificate's dates at `now`, if any. */
export function validityProblem(certificate: X509Certificate, now: Date): CertificateProblem | undefined {
	const from = validityDate(certificate.validFrom);
	const to = validityDate(certificate.validTo);
	if (!(now.getTime() <= to.getTime())) return { code: 'CERT_EXPIRED', reason: `expired on ${to.toISOString().slice(0, 10)}` };
	if (!(now.getTime() >= from.getTime())) {
		return { code: 'CERT_NOT_YET_VALID', reason: `is not valid before ${from.toISOString().slice(0, 10)} (check the server's clock)` };
	}
	return undefined;
}

/** The problem with the certificate's names for `host` (an IP address or a host name), if any. */
export function hostProblem(certificate: X509Certificate, host: string): CertificateProblem | undefined {
	const ip = ipLiteralOf(host);
	const matches = ip ? certificate.checkIP(ip.address) !== undefined : certificate.checkHost(host.trim()) !== undefined;
	if (matches) return undefined;
	return { code: 'CERT_HOSTNAME_MISMATCH', reason: `is not valid for the name "${host}" (it is for ${describeNames(certificate)})` };
}

function describeNames(certificate: X509Certificate): string {
	const names = (certificate.subjectAltName ?? '').split(/,\s*/).filter((name) => name.length > 0);
	const shown = names.length > 0 ? names : [certificate.subject.replace(/\n/g, ', ')];
	return shown.slice(0, 5).join(', ') + (shown.length > 5 ? ', …' : '');
}

/** The problem when `pins` is non-empty and the certificate's fingerprint is not one of them. */
export function pinProblem(certificate: X509Certificate, pins: readonly string[]): CertificateProblem | undefined {
	if (pins.length === 0 || pins.includes(certificate.fingerprint256)) return undefined;
	return {
		code: 'CERT_FINGERPRINT_MISMATCH',
		reason: `has the SHA-256 fingerprint ${certificate.fingerprint256}, which is not one of the pinned fingerprints`,
	};
}

/**
 * What "Allow Self-Signed Certificates" accepts: a certificate the server signed itself (not one from an
 * authority nobody trusts), valid for the host name the user entered, within its dates, and matching a
 * pinned fingerprint when there are any. Returns the first problem, or undefined when it is acceptable.
 */
export function selfSignedProblem(certificate: X509Certificate, host: string, now: Date, pins: readonly string[]): CertificateProblem | undefined {
	if (!isSelfSigned(certificate)) {
		return {
			code: 'CERT_UNTRUSTED',
			reason: `is signed by an authority that is not trusted (${certificate.issuer.replace(/\n/g, ', ')}); "Allow Self-Signed Certificates" accepts only a certificate the server signed itself`,
		};
	}
	return hostProblem(certificate, host) ?? validityProblem(certificate, now) ?? pinProblem(certificate, pins);
}

/** One line about a certificate for the credential test: fingerprint, issuer, end date. */
export function describeCertificate(certificate: X509Certificate): string {
	const issuer = isSelfSigned(certificate) ? 'self-signed' : `issued by ${certificate.issuer.replace(/\n/g, ', ')}`;
	return `SHA-256 ${certificate.fingerprint256} (${issuer}, valid until ${validityDate(certificate.validTo).toISOString().slice(0, 10)})`;
}
