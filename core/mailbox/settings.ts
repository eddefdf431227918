/**
 * Turns the Outreach Mailbox credential's stored fields into resolved connection settings: preset hosts
 * and ports, the user name defaulting to the sender address, TLS options. Pure; the transport builds
 * nodemailer / imapflow clients from the result.
 */
import { InputError } from '../errors';
import { assertHeaderSafe } from '../mail/header-safety';
import { PROVIDER_PRESETS, type Endpoint, type ProviderId, type Security } from './presets';

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
	allowSelfSigned?: boolean;
	caCertificate?: string;
}

/** TLS verification settings shared by both sides. */
export interface TlsPolicy {
	/** false only when the user explicitly allowed self-signed certificates. */
	rejectUnauthorized: boolean;
	/** Extra trusted CA (PEM), e.g. a company's private CA. */
	ca?: string;
}

/** Everything needed to connect to one mailbox. */
export interface MailboxSettings {
	email: string;
	senderName: string;
	user: string;
	password: string;
	smtp: Endpoint;
	imap: Endpoint;
	tls: TlsPolicy;
	/** From the preset: the provider files SMTP mail into Sent itself. */
	filesSentItself: boolean;
}

function endpoint(side: 'SMTP' | 'IMAP', host: string | undefined, port: number | undefined, security: Security | undefined): Endpoint {
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
	const ca = credential.caCertificate?.trim();
	return {
		email,
		senderName,
		user: credential.user?.trim() || email,
		password: credential.password,
		smtp,
		imap,
		tls: { rejectUnauthorized: credential.allowSelfSigned !== true, ...(ca ? { ca } : {}) },
		filesSentItself: preset?.filesSentItself ?? false,
	};
}
