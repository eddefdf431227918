/**
 * Turns the Outreach Mailbox credential's stored fields into resolved connection settings: preset hosts
 * and ports, the user name defaulting to the sender address, TLS options. Pure; the transport builds
 * nodemailer / imapflow clients from the result.
 */
import { InputError } from '../errors';
import { assertHeaderSafe } from '../mail/header-safety';
import type { AccessTokenSource } from './access-token';
import { isLoopbackOrPrivateHost } from './host';
import { OAUTH2_PROVIDERS, type OAuth2ProviderId } from './oauth2-providers';
import { PROVIDER_PRESETS, type Endpoint, type ProviderId, type Security } from './presets';
import { parseFingerprints } from './server-certificate';

/** The credential's fields exactly as n8n stores them (see credentials/OutreachMailboxApi.credentials.ts). */
export interface OutreachMailboxCredential {
	email: string;
	senderName?: string;
	user?: string;
	password: string;
	provider: ProviderId | 'custom';
	smtpHost?: string;
	smtpPort?: number;
	smtpSecurity?: Security;
	imapHost?: string;
	imapPort?: number;
	imapSecurity?: Security;
	/** "I understand": security None is allowed for a host that is not this machine or a private network. */
	smtpAllowUnencrypted?: boolean;
	imapAllowUnencrypted?: boolean;
	allowSelfSigned?: boolean;
	caCertificate?: string;
	/** SHA-256 fingerprints, comma- or line-separated (see `parseFingerprints`). */
	pinnedFingerprints?: string;
}

/** Which side of the mailbox a setting is for. */
export type MailService = 'SMTP' | 'IMAP';

/**
 * TLS verification settings shared by both sides. Connections that carry the password are always
 * verified by Node/OpenSSL (chain, dates, host name); these settings only choose what is trusted.
 */
export interface TlsPolicy {
	/** Extra trusted CA (PEM), e.g. a company's private CA. When given, self-signed certificates are not accepted. */
	ca?: string;
	/**
	 * The user accepts a certificate the server signed itself, valid for its host name and dates (false
	 * when a CA is given). Resolved before connecting by transport/server-certificate.ts into `selfSigned`.
	 */
	allowSelfSigned: boolean;
	/** Upper-case colon-separated SHA-256 fingerprints; when any, every server certificate must be one of them. */
	pinnedFingerprints: readonly string[];
	/** The checked self-signed certificate (PEM) each side presented, trusted as that side's only authority. */
	selfSigned?: Partial<Record<MailService, string>>;
}

/** How an OAuth2 mailbox logs in: an access token instead of the password. */
export interface OAuth2Login {
	/** Hands out a valid access token, refreshing it through n8n. */
	tokens: AccessTokenSource;
	/**
	 * SASL user for SMTP: the signed-in account. `MailboxSettings.user` (IMAP) is the shared mailbox
	 * when one is used (Microsoft: the token's owner opens it; sending "as" it needs Send As).
	 */
	smtpUser: string;
}

/** Everything needed to connect to one mailbox. */
export interface MailboxSettings {
	email: string;
	senderName: string;
	/** Login name (SMTP and IMAP with a password; IMAP with OAuth2). */
	user: string;
	/** Empty for OAuth2 mailboxes. */
	password: string;
	/** Set for OAuth2 mailboxes: log in with a token (XOAUTH2 / OAUTHBEARER), not the password. */
	oauth2?: OAuth2Login;
	smtp: Endpoint;
	imap: Endpoint;
	tls: TlsPolicy;
	/** From the preset: the provider files SMTP mail into Sent itself. */
	filesSentItself: boolean;
}

function endpoint(side: MailService, host: string | undefined, port: number | undefined, security: Security | undefined): Endpoint {
	const cleanHost = (host ?? '').trim();
	if (!cleanHost) throw new InputError('INVALID_PARAMETER', `${side} host is empty: enter the server name of your mail provider.`);
	if (!/^[a-z0-9.:[\]-]+$/i.test(cleanHost)) {
		throw new InputError('INVALID_PARAMETER', `${side} host "${cleanHost}" is not a host name or IP address.`);
	}
	const cleanPort = Number(port);
	if (!Number.isInteger(cleanPort) || cleanPort < 1 || cleanPort > 65535) {
		throw new InputError('INVALID_PARAMETER', `${side} port must be a number from 1 to 65535, got "${String(port)}".`);
	}
	return { host: cleanHost, port: cleanPort, security: security ?? 'tls' };
}

/**
 * Security "None" sends the password in clear: allowed for this machine and private networks, elsewhere
 * only when the user turned on "I understand" for that side.
 */
function assertUnencryptedAllowed(side: MailService, point: Endpoint, understood: boolean | undefined): void {
	if (point.security !== 'none' || understood === true || isLoopbackOrPrivateHost(point.host)) return;
	throw new InputError(
		'INVALID_PARAMETER',
		`${side} security is "None", but ${point.host} is not this machine or a private network address: the password would cross the network unencrypted.`,
		{ hint: `Choose TLS or STARTTLS, or turn on "${side}: I Understand the Password Is Sent Unencrypted" if this server really offers no encryption.` },
	);
}

/** Resolves presets and defaults; throws InputError for unusable settings. */
export function resolveMailboxSettings(credential: OutreachMailboxCredential): MailboxSettings {
	const email = (credential.email ?? '').trim();
	if (!email || !email.includes('@')) {
		throw new InputError('INVALID_ADDRESS', `The sender email address "${email}" is not an email address.`);
	}
	assertHeaderSafe('sender email', email);
	const senderName = (credential.senderName ?? '').trim();
	assertHeaderSafe('sender name', senderName);
	if (!credential.password) throw new InputError('EMPTY_FIELD', 'The mailbox password is empty.');

	const preset = credential.provider && credential.provider !== 'custom' ? PROVIDER_PRESETS[credential.provider] : undefined;
	if (credential.provider && credential.provider !== 'custom' && !preset) {
		throw new InputError('INVALID_PARAMETER', `Unknown mail provider "${String(credential.provider)}".`);
	}
	const smtp = preset ? preset.smtp : endpoint('SMTP', credential.smtpHost, credential.smtpPort, credential.smtpSecurity);
	const imap = preset ? preset.imap : endpoint('IMAP', credential.imapHost, credential.imapPort, credential.imapSecurity);
	assertUnencryptedAllowed('SMTP', smtp, credential.smtpAllowUnencrypted);
	assertUnencryptedAllowed('IMAP', imap, credential.imapAllowUnencrypted);
	return {
		email,
		senderName,
		user: credential.user?.trim() || email,
		password: credential.password,
		smtp,
		imap,
		tls: tlsPolicyOf(credential),
		filesSentItself: preset?.filesSentItself ?? false,
	};
}

/** The TLS fields of a credential, checked. */
function tlsPolicyOf(credential: { caCertificate?: string; allowSelfSigned?: boolean; pinnedFingerprints?: string }): TlsPolicy {
	const ca = credential.caCertificate?.trim();
	if (ca && !ca.includes('-----BEGIN CERTIFICATE-----')) {
		throw new InputError('INVALID_PARAMETER', 'CA Certificate (PEM) does not contain a certificate: paste the text from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.');
	}
	return {
		...(ca ? { ca } : {}),
		// a CA given means "verify against it": the self-signed option is ignored then
		allowSelfSigned: credential.allowSelfSigned === true && !ca,
		pinnedFingerprints: parseFingerprints(credential.pinnedFingerprints),
	};
}

/** The fields of the three OAuth2 credentials (see credentials/OutreachMailbox*OAuth2Api.credentials.ts). */
export interface OAuth2MailboxCredential {
	/** `microsoft`/`google`: servers from the provider; `other`: the credential's own server and TLS fields. */
	provider: OAuth2ProviderId | 'other';
	email: string;
	senderName?: string;
	/** Microsoft: a shared mailbox opened with the signed-in account's token. */
	sharedMailbox?: string;
	/** Generic credential: login name when it is not the address. */
	user?: string;
	smtpHost?: string;
	smtpPort?: number;
	smtpSecurity?: Security;
	imapHost?: string;
	imapPort?: number;
	imapSecurity?: Security;
	smtpAllowUnencrypted?: boolean;
	imapAllowUnencrypted?: boolean;
	allowSelfSigned?: boolean;
	caCertificate?: string;
	pinnedFingerprints?: string;
}

function checkedAddress(label: string, value: string | undefined): string {
	const address = (value ?? '').trim();
	if (!address || !address.includes('@')) throw new InputError('INVALID_ADDRESS', `The ${label} "${address}" is not an email address.`);
	assertHeaderSafe(label, address);
	return address;
}

/** Resolves an OAuth2 credential; the token source comes from the node (it needs n8n's refresh helper). */
export function resolveOAuth2MailboxSettings(credential: OAuth2MailboxCredential, tokens: AccessTokenSource): MailboxSettings {
	const account = checkedAddress('sender email address', credential.email);
	const shared = credential.sharedMailbox?.trim() ? checkedAddress('shared mailbox address', credential.sharedMailbox) : undefined;
	const senderName = (credential.senderName ?? '').trim();
	assertHeaderSafe('sender name', senderName);
	const known = credential.provider === 'other' ? undefined : OAUTH2_PROVIDERS[credential.provider];
	const smtp = known ? known.smtp : endpoint('SMTP', credential.smtpHost, credential.smtpPort, credential.smtpSecurity);
	const imap = known ? known.imap : endpoint('IMAP', credential.imapHost, credential.imapPort, credential.imapSecurity);
	assertUnencryptedAllowed('SMTP', smtp, credential.smtpAllowUnencrypted);
	assertUnencryptedAllowed('IMAP', imap, credential.imapAllowUnencrypted);
	const login = credential.user?.trim() || account;
	return {
		email: shared ?? account,
		senderName,
		user: shared ?? login,
		password: '',
		oauth2: { tokens, smtpUser: login },
		smtp,
		imap,
		// Microsoft's and Google's servers carry certificates of public authorities: nothing to choose
		tls: known ? { allowSelfSigned: false, pinnedFingerprints: [] } : tlsPolicyOf(credential),
		filesSentItself: known?.filesSentItself ?? false,
	};
}
