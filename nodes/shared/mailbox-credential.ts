import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	ICredentialTestFunctions,
	IExecuteFunctions,
	INodeCredentialTestResult,
	INodeProperties,
	ITriggerFunctions,
} from 'n8n-workflow';
import { SequenceError } from '../../core/errors';
import { AccessTokenSource, type OAuth2TokenData, type RefreshToken, type TokenProvider } from '../../core/mailbox/access-token';
import { PROVIDER_PRESETS, type ProviderId, type Security } from '../../core/mailbox/presets';
import {
	resolveMailboxSettings,
	resolveOAuth2MailboxSettings,
	type MailboxSettings,
	type OAuth2MailboxCredential,
	type OutreachMailboxCredential,
} from '../../core/mailbox/settings';
import { checkMailbox } from '../../transport/mailbox-check';

/** Name of the credential type, as nodes reference it. */
export const OUTREACH_MAILBOX_CREDENTIAL = 'outreachMailboxApi';
/** Name of the credential test method both nodes register. */
export const MAILBOX_TEST_METHOD = 'outreachMailboxConnectionTest';

/** How the mailbox signs in: the node's Authentication parameter. */
export type MailboxAuthentication = 'password' | 'microsoftOAuth2' | 'googleOAuth2' | 'oAuth2';

/** The credential type of each authentication, and whose words its errors use. */
const CREDENTIALS: Record<MailboxAuthentication, { type: string; displayName: string; provider?: TokenProvider }> = {
	password: { type: OUTREACH_MAILBOX_CREDENTIAL, displayName: 'Outreach Mailbox' },
	microsoftOAuth2: { type: 'outreachMailboxMicrosoftOAuth2Api', displayName: 'Outreach Mailbox (Microsoft OAuth2)', provider: 'microsoft' },
	googleOAuth2: { type: 'outreachMailboxGoogleOAuth2Api', displayName: 'Outreach Mailbox (Google OAuth2)', provider: 'google' },
	oAuth2: { type: 'outreachMailboxOAuth2Api', displayName: 'Outreach Mailbox (OAuth2)', provider: 'other' },
};

/** The Authentication parameter both nodes show first (n8n's usual name and place for it). */
export const authenticationProperty: INodeProperties = {
	displayName: 'Authentication',
	name: 'authentication',
	type: 'options',
	options: [
		{ name: 'Password', value: 'password', description: 'Password or app password (Outreach Mailbox credential)' },
		{ name: 'Microsoft OAuth2', value: 'microsoftOAuth2', description: 'Microsoft 365 and Outlook.com: sign in with Microsoft' },
		{ name: 'Google OAuth2', value: 'googleOAuth2', description: 'Google Workspace and Gmail: sign in with Google' },
		{ name: 'OAuth2', value: 'oAuth2', description: 'Any other provider that signs in with OAuth2' },
	],
	default: 'password',
};

function authenticationOf(value: unknown): MailboxAuthentication {
	return typeof value === 'string' && value in CREDENTIALS ? (value as MailboxAuthentication) : 'password';
}

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

/** Reads an OAuth2 credential's stored fields (the three OAuth2 types share the names). */
export function readOAuth2Credential(data: ICredentialDataDecryptedObject, provider: TokenProvider): OAuth2MailboxCredential {
	return {
		provider,
		email: str(data, 'email') ?? '',
		senderName: str(data, 'senderName'),
		sharedMailbox: str(data, 'sharedMailbox'),
		user: str(data, 'user'),
		smtpHost: str(data, 'smtpHost'),
		smtpPort: num(data, 'smtpPort'),
		smtpSecurity: security(data, 'smtpSecurity'),
		imapHost: str(data, 'imapHost'),
		imapPort: num(data, 'imapPort'),
		imapSecurity: security(data, 'imapSecurity'),
		allowSelfSigned: data.allowSelfSigned === true,
		caCertificate: str(data, 'trustedCa'),
	};
}

/**
 * The mailbox of the node's credential, whichever Authentication it uses. An OAuth2 mailbox gets a token
 * source that refreshes through n8n's `helpers.refreshOAuth2Token` (so the new token is saved in n8n's
 * database, under n8n's lock); `authentication` is the parameter's value (read by the caller).
 */
export async function mailboxSettingsOf(context: IExecuteFunctions | ITriggerFunctions, authentication: unknown): Promise<MailboxSettings> {
	const auth = authenticationOf(authentication);
	const { type, displayName, provider } = CREDENTIALS[auth];
	const data = await context.getCredentials(type);
	if (!provider) return mailboxSettingsFrom(data);
	// present since n8n 1.119; older versions: undefined, and the token source says so
	const helper = (context.helpers as { refreshOAuth2Token?: unknown }).refreshOAuth2Token;
	const refresh: RefreshToken | undefined =
		typeof helper === 'function' ? async () => (await context.helpers.refreshOAuth2Token.call(context, type)) as OAuth2TokenData : undefined;
	const credentialName = context.getNode().credentials?.[type]?.name ?? displayName;
	const tokens = new AccessTokenSource(data.oauthTokenData as OAuth2TokenData | undefined, { refresh, provider, credentialName });
	return resolveOAuth2MailboxSettings(readOAuth2Credential(data, provider), tokens);
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
