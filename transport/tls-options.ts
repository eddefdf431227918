/**
 * The TLS options both clients pass to Node's `tls.connect` (nodemailer and imapflow merge them in for
 * implicit TLS and for the STARTTLS upgrade alike). The one place that decides what a connection carrying
 * the password trusts.
 *
 * How Node verifies (lib/_tls_wrap.js, `onConnectSecure`): OpenSSL checks the chain against `ca` (the
 * system roots when absent) and the dates, giving `verifyError()`; only when that passed does Node call
 * `checkServerIdentity(host, cert)`. Then, with `rejectUnauthorized`, any error destroys the socket
 * before the client's `secureConnect` callback runs, so nothing (least of all AUTH) is sent. With
 * `rejectUnauthorized: false` every check is skipped, a wrong host and an expired certificate included:
 * this module never sets it. "Allow Self-Signed Certificates" instead trusts, per side, the one
 * self-signed certificate transport/server-certificate.ts fetched and checked beforehand, as that
 * side's only authority, so OpenSSL still checks its dates and Node its host name on every connection.
 */
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Endpoint } from '../core/mailbox/presets';
import { ipLiteralOf } from '../core/mailbox/host';
import type { MailService, TlsPolicy } from '../core/mailbox/settings';

/** The subset of Node's `tls.ConnectionOptions` we set. */
export interface TlsConnectOptions {
	rejectUnauthorized: true;
	ca?: string;
	servername?: string;
	checkServerIdentity?: (host: string, certificate: PeerCertificate) => Error | undefined;
}

/** The error a pinned-fingerprint mismatch destroys the socket with (its `code` reaches connection-error.ts). */
export function fingerprintMismatchError(fingerprint: string): Error & { code: string } {
	return Object.assign(new Error(`certificate fingerprint ${fingerprint} is not pinned`), { code: 'CERT_FINGERPRINT_MISMATCH', fingerprint });
}

/**
 * Node's TLS options for one side: always verified; trusting the CA the user gave, else the checked
 * self-signed certificate of that side, else the system roots; SNI only for host names (RFC 6066 §3);
 * pinned fingerprints checked after Node's own host-name check.
 */
export function tlsOptionsFor(service: MailService, endpoint: Endpoint, tls: TlsPolicy): TlsConnectOptions {
	const ca = tls.ca ?? tls.selfSigned?.[service];
	const pins = tls.pinnedFingerprints;
	return {
		rejectUnauthorized: true,
		...(ca ? { ca } : {}),
		...(ipLiteralOf(endpoint.host) ? {} : { servername: endpoint.host }),
		// Node asserts that checkServerIdentity is a function when the key is present: set it only with pins
		...(pins.length > 0
			? {
					checkServerIdentity: (host: string, certificate: PeerCertificate) =>
						checkServerIdentity(host, certificate) ??
						(pins.includes(certificate.fingerprint256) ? undefined : fingerprintMismatchError(certificate.fingerprint256)),
				}
			: {}),
	};
}
