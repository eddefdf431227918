/**
 * The credential test: log in to SMTP and to IMAP, in parallel, and say which side failed and why.
 */
import type { MailboxSettings } from '../core/mailbox/settings';
import type { ConnectionError } from '../core/errors';
import { explainConnectionError, secretsFor } from './connection-error';
import { createSmtpTransport } from './smtp-client';
import { withImapClient } from './imap-client';

/** Result of checking one mailbox. */
export interface MailboxCheckResult {
	ok: boolean;
	smtp: ConnectionError | null;
	imap: ConnectionError | null;
	/** One sentence for the credential panel. */
	message: string;
}

/** Connects and authenticates to the SMTP server, then closes. */
export async function checkSmtp(settings: MailboxSettings): Promise<void> {
	const transport = createSmtpTransport(settings);
	try {
		await transport.verify();
	} catch (error) {
		throw explainConnectionError(error, { service: 'SMTP', endpoint: settings.smtp, secrets: secretsFor(settings.user, settings.password) });
	} finally {
		transport.close();
	}
}

/** Connects and logs in to the IMAP server, then logs out. */
export async function checkImap(settings: MailboxSettings): Promise<void> {
	await withImapClient(settings, async () => undefined);
}

/** Checks both sides; never throws. */
export async function checkMailbox(settings: MailboxSettings): Promise<MailboxCheckResult> {
	const [smtp, imap] = await Promise.all([
		checkSmtp(settings).then(() => null, (e: ConnectionError) => e),
		checkImap(settings).then(() => null, (e: ConnectionError) => e),
	]);
	const failures = [smtp, imap].filter((e): e is ConnectionError => e !== null);
	const message = failures.length === 0
		? `Logged in to SMTP (${settings.smtp.host}:${settings.smtp.port}) and IMAP (${settings.imap.host}:${settings.imap.port}).`
		: failures.map((e) => (e.hint ? `${e.message} ${e.hint}` : e.message)).join(' | ');
	return { ok: failures.length === 0, smtp, imap, message };
}
