/**
 * Provider presets of the Outreach Mailbox credential: hosts, ports and security of well-known mail
 * providers, with the one thing users get wrong on each (app passwords), and whether the provider files
 * SMTP-submitted mail into the Sent folder by itself (then "Save a copy to Sent: auto" does not add a second).
 */

/** How a connection is secured. */
export type Security = 'tls' | 'starttls' | 'none';

/** One side of a mailbox: where to connect and how. */
export interface Endpoint {
	host: string;
	port: number;
	security: Security;
}

/** A provider preset. */
export interface ProviderPreset {
	label: string;
	smtp: Endpoint;
	imap: Endpoint;
	/** One line for the credential form: what password to use. */
	hint: string;
	/** The provider stores mail sent over SMTP in Sent by itself (Gmail, Microsoft 365). */
	filesSentItself: boolean;
}

export type ProviderId = 'gmail' | 'microsoft365' | 'yahoo' | 'icloud' | 'zoho' | 'fastmail';

/** Published settings of each provider (their help pages, checked 2026). */
export const PROVIDER_PRESETS: Record<ProviderId, ProviderPreset> = {
	gmail: {
		label: 'Gmail / Google Workspace',
		smtp: { host: 'smtp.gmail.com', port: 465, security: 'tls' },
		imap: { host: 'imap.gmail.com', port: 993, security: 'tls' },
		hint: 'Use an App Password (Google Account → Security → 2-Step Verification → App passwords); your normal password is refused.',
		filesSentItself: true,
	},
	microsoft365: {
		label: 'Microsoft 365 / Outlook.com',
		smtp: { host: 'smtp.office365.com', port: 587, security: 'starttls' },
		imap: { host: 'outlook.office365.com', port: 993, security: 'tls' },
		hint: 'SMTP AUTH must be enabled for this mailbox by your admin; with multi-factor sign-in use an app password.',
		filesSentItself: true,
	},
	yahoo: {
		label: 'Yahoo Mail',
		smtp: { host: 'smtp.mail.yahoo.com', port: 465, security: 'tls' },
		imap: { host: 'imap.mail.yahoo.com', port: 993, security: 'tls' },
		hint: 'Use an app password (Account Security → Generate app password).',
		filesSentItself: false,
	},
	icloud: {
		label: 'iCloud Mail',
		smtp: { host: 'smtp.mail.me.com', port: 587, security: 'starttls' },
		imap: { host: 'imap.mail.me.com', port: 993, security: 'tls' },
		hint: 'Use an app-specific password from appleid.apple.com; the user name is your full iCloud address.',
		filesSentItself: false,
	},
	zoho: {
		label: 'Zoho Mail',
		smtp: { host: 'smtp.zoho.com', port: 465, security: 'tls' },
		imap: { host: 'imap.zoho.com', port: 993, security: 'tls' },
		hint: 'Turn on IMAP access in Zoho Mail settings; with two-factor sign-in use an application-specific password (EU accounts: choose Custom with smtp.zoho.eu / imap.zoho.eu).',
		filesSentItself: false,
	},
	fastmail: {
		label: 'Fastmail',
		smtp: { host: 'smtp.fastmail.com', port: 465, security: 'tls' },
		imap: { host: 'imap.fastmail.com', port: 993, security: 'tls' },
		hint: 'Create an app password with IMAP and SMTP access (Settings → Privacy & Security → App passwords).',
		filesSentItself: false,
	},
};

/** Default ports per security mode, for the custom provider. */
export const DEFAULT_PORTS = {
	smtp: { tls: 465, starttls: 587, none: 25 },
	imap: { tls: 993, starttls: 143, none: 143 },
} as const;
