/**
 * The credential test: log in to SMTP and to IMAP, in parallel, and say which side failed and why. Where
 * a certificate is involved it shows the one the server presented (its SHA-256 fingerprint), so the user
 * can pin it.
 */
import { X509Certificate } from 'node:crypto';
import { ConnectionError, SequenceError } from '../core/errors';
import { describeCertificate } from '../core/mailbox/server-certificate';
import type { MailboxSettings, MailService } from '../core/mailbox/settings';
import { connectionContext, explainConnectionError } from './connection-error';
import { fetchServerCertificate, trustSelfSignedServers } from './server-certificate';
import { createSmtpTransport } from './smtp-client';
import { tokenErrorOf } from './smtp-send';
import { withImapClient } from './imap-client';

/** Result of checking one mailbox. */
export interface MailboxCheckResult {
	ok: boolean;
	/** ConnectionError, or AuthorizationError when an OAuth2 mailbox could get no token. */
	smtp: SequenceError | null;
	imap: SequenceError | null;
	/** One sentence for the credential panel. */
	message: string;
}

/** Connects and authenticates to the SMTP server, then closes. */
export async function checkSmtp(settings: MailboxSettings): Promise<void> {
	const transport = createSmtpTransport(settings);
	try {
		await transport.verify();
	} catch (error) {
		throw tokenErrorOf(error) ?? explainConnectionError(error, connectionContext(settings, 'SMTP'));
	} finally {
		transport.close();
	}
}

/** Connects and logs in to the IMAP server, then logs out. */
export async function checkImap(settings: MailboxSettings): Promise<void> {
	await withImapClient(settings, async () => undefined);
}

/** A certificate failure, with the certificate the server presented added to its hint when it is not there yet. */
async function withCertificateSeen(error: ConnectionError, service: MailService, settings: MailboxSettings): Promise<ConnectionError> {
	if (!error.code.startsWith('CERT_') || error.hint?.includes('Certificate seen:')) return error;
	const endpoint = service === 'SMTP' ? settings.smtp : settings.imap;
	const seen = await fetchServerCertificate(service, endpoint, settings.tls.ca).then(
		(presented) => `Certificate seen: ${describeCertificate(presented.certificate)}.`,
		() => undefined,
	);
	if (!seen) return error;
	return new ConnectionError(error.code, error.message, { service, host: error.host, port: error.port }, {
		hint: error.hint ? `${error.hint} ${seen}` : seen,
	});
}

/** Logs in to one side; resolves with a note about the self-signed certificate it trusted, if any. */
async function checkSide(service: MailService, settings: MailboxSettings): Promise<string | undefined> {
	try {
		const trusted = await trustSelfSignedServers(settings, [service]);
		await (service === 'SMTP' ? checkSmtp(trusted) : checkImap(trusted));
		const pem = trusted.tls.selfSigned?.[service];
		if (!pem) return undefined;
		const certificate = new X509Certificate(pem);
		const pinned = settings.tls.pinnedFingerprints.includes(certificate.fingerprint256);
		return `${service} certificate: ${describeCertificate(certificate)}${pinned ? ', pinned' : ` — paste this fingerprint into "Pinned Certificate Fingerprints" so that no other certificate is accepted`}.`;
	} catch (error) {
		if (!(error instanceof ConnectionError)) throw error;
		throw await withCertificateSeen(error, service, settings);
	}
}

/** Checks both sides; never throws. */
export async function checkMailbox(settings: MailboxSettings): Promise<MailboxCheckResult> {
	const outcome = (service: MailService) =>
		checkSide(service, settings).then(
			(note) => ({ error: null, note }),
			(error: unknown) => ({ error: error instanceof SequenceError ? error : explainConnectionError(error, connectionContext(settings, service)), note: undefined }),
		);
	const [smtp, imap] = await Promise.all([outcome('SMTP'), outcome('IMAP')]);
	const failures = [smtp.error, imap.error].filter((e): e is SequenceError => e !== null);
	const notes = [smtp.note, imap.note].filter((note): note is string => note !== undefined);
	const message = failures.length === 0
		? [`Logged in to SMTP (${settings.smtp.host}:${settings.smtp.port}) and IMAP (${settings.imap.host}:${settings.imap.port}).`, ...notes].join(' ')
		: failures.map((e) => (e.hint ? `${e.message} ${e.hint}` : e.message)).join(' | ');
	return { ok: failures.length === 0, smtp: smtp.error, imap: imap.error, message };
}
