import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	INodeCredentialTestResult,
} from 'n8n-workflow';
import { SequenceError } from '../../core/errors';
import { PROVIDER_PRESETS, type ProviderId, type Security } from '../../core/mailbox/presets';
import { resolveMailboxSettings, type MailboxSettings, type OutreachMailboxCredential } from '../../core/mailbox/settings';
import { checkMailbox } from '../../transport/mailbox-check';

/** Name of the credential type, as nodes reference it. */
export const OUTREACH_MAILBOX_CREDENTIAL = 'outreachMailboxApi';
/** Name of the credential test method both nodes register. */
export const MAILBOX_TEST_METHOD = 'outreachMailboxConnectionTest';

function str(data: ICredentialDataDecryptedObject, key: string): string | undefined {
	const value = data[key];
	return typeof value === 'string' ? value : value === undefined || value === null ? undefined : String(value);
}

function num(data: ICredentialDataDecryptedObject, key: string): number | undefined {
	const value = data[key];
	if (value === undefined || value === null || value === '') return undefined;
	return Number(value);
}

function security(data: ICredentialDataDecryptedObject, key: string): Security | undefined {
	const value = str(data, key);
	return value === 'tls' || value === 'starttls' || value === 'none' ? value : undefined;
}

function provider(data: ICredentialDataDecryptedObject): ProviderId | 'custom' {
	const value = str(data, 'provider') ?? 'custom';
	return value in PROVIDER_PRESETS ? (value as ProviderId) : 'custom';
}

/** Reads the stored credential fields into their typed form (n8n hands them over untyped). */
export function readMailboxCredential(data: ICredentialDataDecryptedObject): OutreachMailboxCredential {
	return {
		email: str(data, 'email') ?? '',
		senderName: str(data, 'senderName'),
		user: str(data, 'user'),
		password: str(data, 'password') ?? '',
		provider: provider(data),
		smtpHost: str(data, 'smtpHost'),
		smtpPort: num(data, 'smtpPort'),
		smtpSecurity: security(data, 'smtpSecurity'),
		imapHost: str(data, 'imapHost'),
		imapPort: num(data, 'imapPort'),
		imapSecurity: security(data, 'imapSecurity'),
		smtpAllowUnencrypted: data.smtpAllowUnencrypted === true,
		imapAllowUnencrypted: data.imapAllowUnencrypted === true,
		allowSelfSigned: data.allowSelfSigned === true,
		caCertificate: str(data, 'trustedCa'),
		pinnedFingerprints: str(data, 'pinnedFingerprints'),
	};
}

/** Typed, resolved settings from the stored credential. */
export function mailboxSettingsFrom(data: ICredentialDataDecryptedObject): MailboxSettings {
	return resolveMailboxSettings(readMailboxCredential(data));
}

/** The credential test n8n runs when the user saves an Outreach Mailbox: logs in to SMTP and IMAP. */
export async function outreachMailboxConnectionTest(
	this: ICredentialTestFunctions,
	credential: ICredentialsDecrypted,
): Promise<INodeCredentialTestResult> {
	let settings: MailboxSettings;
	try {
		settings = mailboxSettingsFrom(credential.data ?? {});
	} catch (error) {
		const message = error instanceof SequenceError ? error.message : 'The credential settings could not be read.';
		return { status: 'Error', message };
	}
	const result = await checkMailbox(settings);
	return { status: result.ok ? 'OK' : 'Error', message: result.message };
}
