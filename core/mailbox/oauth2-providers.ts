/**
 * What we know about the providers that need OAuth2 for IMAP and SMTP: their identity platform's
 * endpoints and the scopes that open IMAP and SMTP (not their REST APIs' scopes), their servers, and
 * whether they file SMTP-sent mail into Sent by themselves. The credentials show these as fixed values,
 * so a user only pastes a client id and secret.
 */
import type { Endpoint } from './presets';

/** One provider's OAuth2 facts. */
export interface OAuth2Provider {
	label: string;
	/** Authorization and token endpoints; `{tenant}` is replaced where the provider has tenants. */
	authUrl: string;
	accessTokenUrl: string;
	/** Space-separated scopes to ask for. */
	scope: string;
	/** Extra query of the authorization URL (what makes the provider issue a refresh token). */
	authQueryParameters: string;
	smtp: Endpoint;
	imap: Endpoint;
	filesSentItself: boolean;
}

export type OAuth2ProviderId = 'microsoft' | 'google';

/** Microsoft identity platform v2 and Exchange Online; Google identity and Gmail (checked 2026). */
export const OAUTH2_PROVIDERS: Record<OAuth2ProviderId, OAuth2Provider> = {
	microsoft: {
		label: 'Microsoft 365 / Outlook.com',
		authUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
		accessTokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
		// Exchange Online's own resource: Microsoft Graph scopes (Mail.Send …) are refused by IMAP and SMTP
		scope: 'https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access',
		authQueryParameters: 'response_mode=query&prompt=select_account',
		smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
		imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
		filesSentItself: true,
	},
	google: {
		label: 'Google Workspace / Gmail',
		authUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
		accessTokenUrl: 'https://oauth2.googleapis.com/token',
		// the only scope that opens IMAP and SMTP
		scope: 'https://mail.google.com/',
		// Google issues a refresh token only with access_type=offline, and again only after prompt=consent
		authQueryParameters: 'access_type=offline&prompt=consent',
		smtp: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
		imap: { host: 'imap.gmail.com', port: 993, security: 'tls' },
		filesSentItself: true,
	},
};

/** Microsoft's default tenant: work, school and personal accounts. */
export const DEFAULT_MICROSOFT_TENANT = 'common';
