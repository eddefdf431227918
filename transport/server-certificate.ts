/**
 * Fetching the certificate a mail server presents, without logging in, and turning "Allow Self-Signed
 * Certificates" into something OpenSSL verifies: the one self-signed certificate a side presents, checked
 * here (self-signed, host name, dates, pinned fingerprint), becomes that side's only trusted authority
 * (see tls-options.ts). The fetch speaks just enough SMTP (RFC 3207) or IMAP (RFC 3501 §6.2.1) to reach
 * the TLS handshake, sends no credentials and hangs up after it.
 */
import net from 'node:net';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { ConnectionError } from '../core/errors';
import { ipLiteralOf } from '../core/mailbox/host';
import type { Endpoint } from '../core/mailbox/presets';
import { describeCertificate, selfSignedProblem } from '../core/mailbox/server-certificate';
import type { MailboxSettings, MailService } from '../core/mailbox/settings';
import { explainConnectionError, secretsFor } from './connection-error';

/** The whole fetch (connect, greeting, STARTTLS, handshake) must finish within this. */
export const CERTIFICATE_FETCH_TIMEOUT_MS = 20_000;
/** A greeting or reply longer than this is not a mail server talking. */
const MAX_REPLY_BYTES = 16 * 1024;
/** The IMAP tag of our STARTTLS command. */
const TAG = 'C1';

/** What a server presented in its TLS handshake. */
export interface PresentedCertificate {
	certificate: X509Certificate;
	/** PEM of the leaf, for `ca` when it is trusted as a self-signed certificate. */
	pem: string;
	/** Node accepted chain, dates and host name against the system roots (or `ca` when given). */
	trusted: boolean;
	/** Node's reason when not trusted, e.g. `DEPTH_ZERO_SELF_SIGNED_CERT`. */
	verifyError?: string;
}

/** Reads CRLF-terminated lines from a socket until the caller has what it waits for. */
class LineReader {
	private buffer = '';
	private waiter?: { done: (line: string) => boolean; resolve: (lines: string[]) => void; reject: (error: Error) => void };
	private lines: string[] = [];
	private failure?: Error;
	private readonly onData = (chunk: Buffer) => this.push(chunk.toString('latin1'));

	constructor(private readonly socket: net.Socket) {
		socket.on('data', this.onData);
	}

	/** Lines up to and including the first one for which `done` is true. */
	read(done: (line: string) => boolean): Promise<string[]> {
		if (this.failure) return Promise.reject(this.failure);
		return new Promise((resolve, reject) => {
			this.waiter = { done, resolve, reject };
			this.deliver();
		});
	}

	/** Stops reading (before the TLS handshake takes the socket over). */
	detach(): void {
		this.socket.removeListener('data', this.onData);
	}

	fail(error: Error): void {
		this.failure = error;
		this.waiter?.reject(error);
		this.waiter = undefined;
	}

	private push(text: string): void {
		this.buffer += text;
		let end: number;
		while ((end = this.buffer.indexOf('\n')) !== -1) {
			this.lines.push(this.buffer.slice(0, end).replace(/\r$/, ''));
			this.buffer = this.buffer.slice(end + 1);
		}
		if (this.buffer.length + this.lines.reduce((sum, line) => sum + line.length, 0) > MAX_REPLY_BYTES) {
			this.fail(new Error('the server sent an overlong reply before TLS'));
			return;
		}
		this.deliver();
	}

	private deliver(): void {
		if (!this.waiter) return;
		const index = this.lines.findIndex((line) => this.waiter?.done(line));
		if (index === -1) return;
		const { resolve } = this.waiter;
		this.waiter = undefined;
		resolve(this.lines.splice(0, index + 1));
	}
}

/** An Error with a code connection-error.ts understands. */
function failure(message: string, code: string): Error {
	return Object.assign(new Error(message), { code });
}

/** RFC 5321 §4.2: "220-…" continues a reply, "220 …" ends it. */
const smtpFinal = (line: string) => /^\d{3}(?: |$)/.test(line);

async function smtpStartTls(reader: LineReader, socket: net.Socket): Promise<void> {
	const greeting = await reader.read(smtpFinal);
	if (!greeting[greeting.length - 1].startsWith('220')) throw failure(`the server greeted with "${greeting.join(' ').slice(0, 200)}"`, 'EPROTOCOL');
	socket.write('EHLO certificate-check.invalid\r\n');
	await reader.read(smtpFinal);
	socket.write('STARTTLS\r\n');
	const answer = (await reader.read(smtpFinal)).pop() ?? '';
	// RFC 3207 §4: "220 Ready to start TLS"; anything else means no STARTTLS here
	if (!answer.startsWith('220')) throw failure(`Server does not support STARTTLS: "${answer.slice(0, 200)}"`, 'ETLS');
}

async function imapStartTls(reader: LineReader, socket: net.Socket): Promise<void> {
	const [greeting] = await reader.read(() => true);
	if (!/^\* OK\b/i.test(greeting)) throw failure(`the server greeted with "${greeting.slice(0, 200)}"`, 'EPROTOCOL');
	socket.write(`${TAG} STARTTLS\r\n`);
	const answer = (await reader.read((line) => line.startsWith(`${TAG} `))).pop() ?? '';
	// RFC 3501 §6.2.1: "C1 OK Begin TLS negotiation now"
	if (!new RegExp(`^${TAG} OK\\b`, 'i').test(answer)) throw failure(`Server does not support STARTTLS: "${answer.slice(0, 200)}"`, 'ETLS');
}

/** Pem of an X509Certificate (Node gives the DER in `raw`). */
function pemOf(certificate: X509Certificate): string {
	return certificate.toString();
}

/**
 * Connects to `endpoint` (implicit TLS, or STARTTLS after the greeting), completes the TLS handshake without
 * verifying, and returns the leaf certificate with Node's verdict on it. Sends no credentials. Errors are
 * the raw socket/TLS errors (for connection-error.ts).
 */
export async function fetchServerCertificate(
	service: MailService,
	endpoint: Endpoint,
	ca?: string,
	timeoutMs: number = CERTIFICATE_FETCH_TIMEOUT_MS,
): Promise<PresentedCertificate> {
	if (endpoint.security === 'none') throw failure(`${service} security is "None": there is no certificate`, 'ENOTLS');
	const sockets: net.Socket[] = [];
	let timer: NodeJS.Timeout | undefined;
	try {
		return await new Promise<PresentedCertificate>((resolve, reject) => {
			timer = setTimeout(() => reject(failure('timed out fetching the certificate', 'ETIMEDOUT')), timeoutMs);
			const options: tls.ConnectionOptions = {
				// this handshake only looks at the certificate; the connection is closed right after it
				rejectUnauthorized: false,
				...(ca ? { ca } : {}),
				...(ipLiteralOf(endpoint.host) ? {} : { servername: endpoint.host }),
			};
			const handshake = (socket?: net.Socket) => {
				const secure = tls.connect({ ...options, host: endpoint.host, port: endpoint.port, ...(socket ? { socket } : {}) }, () => {
					// a copy from the DER: the X509Certificate of getPeerX509Certificate() can outlive the socket's
					// native certificate in Node 20 (it crashed the process once the socket was destroyed)
					const der = secure.getPeerCertificate().raw;
					if (!der) return reject(failure('the server presented no certificate', 'ENOCERT'));
					const certificate = new X509Certificate(der);
					const verifyError = secure.authorizationError === null ? undefined : String(secure.authorizationError);
					resolve({ certificate, pem: pemOf(certificate), trusted: secure.authorized, ...(verifyError ? { verifyError } : {}) });
				});
				sockets.push(secure);
				secure.on('error', reject);
			};
			if (endpoint.security === 'tls') return handshake();
			const plain = net.connect({ host: endpoint.host, port: endpoint.port });
			sockets.push(plain);
			const reader = new LineReader(plain);
			plain.on('error', (error) => {
				reader.fail(error);
				reject(error);
			});
			plain.on('close', () => reader.fail(failure('the server closed the connection before TLS', 'ECONNRESET')));
			plain.once('connect', () => {
				(service === 'SMTP' ? smtpStartTls(reader, plain) : imapStartTls(reader, plain)).then(() => {
					reader.detach();
					handshake(plain);
				}, reject);
			});
		});
	} finally {
		clearTimeout(timer);
		// only the outermost socket: destroying the plain socket under a TLS socket as well crashed Node 20
		// (segmentation fault) after an IMAP STARTTLS handshake
		sockets[sockets.length - 1]?.destroy();
	}
}

/**
 * For each given side that uses TLS while "Allow Self-Signed Certificates" is on: fetches the certificate
 * and keeps it in `tls.selfSigned` when it is acceptable. A certificate the system roots already trust
 * needs nothing. Returns new settings; the given ones when the option is off (nothing is fetched).
 *
 * @throws ConnectionError `CERT_UNTRUSTED` (not self-signed), `CERT_HOSTNAME_MISMATCH`, `CERT_EXPIRED`,
 *   `CERT_NOT_YET_VALID`, `CERT_FINGERPRINT_MISMATCH` (each naming the fingerprint seen), or the
 *   connection error of the fetch.
 */
export async function trustSelfSignedServers(
	settings: MailboxSettings,
	services: readonly MailService[],
	now: Date = new Date(),
): Promise<MailboxSettings> {
	if (!settings.tls.allowSelfSigned) return settings;
	const selfSigned = { ...settings.tls.selfSigned };
	await Promise.all(
		services.map(async (service) => {
			const endpoint = service === 'SMTP' ? settings.smtp : settings.imap;
			if (endpoint.security === 'none' || selfSigned[service]) return;
			let presented: PresentedCertificate;
			try {
				presented = await fetchServerCertificate(service, endpoint);
			} catch (error) {
				throw explainConnectionError(error, { service, endpoint, secrets: secretsFor(settings.user, settings.password) });
			}
			if (presented.trusted) return;
			const problem = selfSignedProblem(presented.certificate, endpoint.host, now, settings.tls.pinnedFingerprints);
			if (problem) {
				throw new ConnectionError(
					problem.code,
					`${service} server ${endpoint.host}:${endpoint.port}: its TLS certificate ${problem.reason}.`,
					{ service, host: endpoint.host, port: endpoint.port },
					{ hint: `Certificate seen: ${describeCertificate(presented.certificate)}.` },
				);
			}
			selfSigned[service] = presented.pem;
		}),
	);
	return { ...settings, tls: { ...settings.tls, selfSigned } };
}
