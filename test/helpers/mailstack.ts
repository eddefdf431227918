/**
 * The real Postfix + Dovecot started by test/mailstack/mailstack.sh: its settings, and helpers to build
 * mailbox settings / credential data for its users. Ports and paths come from the environment the
 * global setup exports (MAILSTACK_*), with the script's defaults.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { ICredentialDataDecryptedObject } from 'n8n-workflow';
import type { Endpoint } from '../../core/mailbox/presets';
import { parseFingerprints } from '../../core/mailbox/server-certificate';
import type { MailboxSettings } from '../../core/mailbox/settings';

export const MAILSTACK_SCRIPT = path.resolve(__dirname, '../mailstack/mailstack.sh');
export const MAILSTACK_BASE = process.env.MAILSTACK_BASE ?? '/tmp/smtp-sequence-mailstack';

const env = process.env;
/** Ports, host, domain and password of the running stack. */
export const stack = {
	host: env.MAILSTACK_HOST ?? '127.0.0.1',
	domain: env.MAILSTACK_DOMAIN ?? 'example.test',
	password: env.MAILSTACK_PASSWORD ?? 'secret',
	imapPort: Number(env.MAILSTACK_IMAP_PORT ?? 1143),
	imapsPort: Number(env.MAILSTACK_IMAPS_PORT ?? 1993),
	mxPort: Number(env.MAILSTACK_SMTP_PORT ?? 1025),
	submissionPort: Number(env.MAILSTACK_SUBMISSION_PORT ?? 1587),
	smtpsPort: Number(env.MAILSTACK_SMTPS_PORT ?? 1465),
	smtpsExpiredPort: Number(env.MAILSTACK_SMTPS_EXPIRED_PORT ?? 1466),
	/** Implicit TLS presenting the self-signed leaf of `selfSignedHost` (so: wrong host for 127.0.0.1). */
	smtpsSelfSignedWrongHostPort: Number(env.MAILSTACK_SMTPS_SELFSIGNED_WRONG_HOST_PORT ?? 1467),
	/** STARTTLS presenting a test-CA certificate for wrong-host.example.test only. */
	submissionWrongHostPort: Number(env.MAILSTACK_SUBMISSION_WRONG_HOST_PORT ?? 1468),
	/** Implicit TLS presenting a self-signed leaf for 127.0.0.1 that expired in 2021. */
	smtpsSelfSignedExpiredPort: Number(env.MAILSTACK_SMTPS_SELFSIGNED_EXPIRED_PORT ?? 1469),
	/** Serves the IMAP, IMAPS, submission and SMTPS ports with a self-signed leaf certificate for this address. */
	selfSignedHost: env.MAILSTACK_SELFSIGNED_HOST ?? '127.0.0.2',
	caPath: env.MAILSTACK_CA ?? path.join(MAILSTACK_BASE, 'tls/ca.pem'),
};

/** The self-signed certificate of `stack.selfSignedHost` (PEM). */
export function stackSelfSignedCertificate(): string {
	return readFileSync(path.join(path.dirname(stack.caPath), 'selfsigned-cert.pem'), 'utf8');
}

/** The test CA (PEM) that signed the stack's certificates. */
export function stackCa(): string {
	return readFileSync(stack.caPath, 'utf8');
}

/** Full address of a stack user ("alice" → "alice@example.test"). */
export function addressOf(user: string): string {
	return user.includes('@') ? user : `${user}@${stack.domain}`;
}

/** SMTP endpoints of the stack a test can pick. */
export type StackSmtpMode =
	| 'tls'
	| 'starttls'
	/** Implicit TLS, certificate of the test CA, expired. */
	| 'expired'
	/** Self-signed leaf of `selfSignedHost`, on that host: implicit TLS / STARTTLS. */
	| 'selfSignedTls'
	| 'selfSignedStarttls'
	/** The same self-signed leaf on 127.0.0.1, where its address does not match. */
	| 'selfSignedWrongHost'
	/** A self-signed leaf for 127.0.0.1 that expired in 2021. */
	| 'selfSignedExpired'
	/** STARTTLS with a test-CA certificate for another host name. */
	| 'wrongHostStarttls';

/** IMAP endpoints of the stack a test can pick. */
export type StackImapMode = 'tls' | 'none' | 'starttls' | 'selfSignedTls' | 'selfSignedStarttls';

/** Connection modes a test can pick. */
export interface StackModes {
	smtp?: StackSmtpMode;
	imap?: StackImapMode;
	/** Trust the test CA (default true). */
	trustCa?: boolean;
	allowSelfSigned?: boolean;
	/** The credential's "Pinned Certificate Fingerprints" field. */
	pins?: string;
	password?: string;
}

function smtpEndpoint(mode: StackSmtpMode): Endpoint {
	switch (mode) {
		case 'tls': return { host: stack.host, port: stack.smtpsPort, security: 'tls' };
		case 'starttls': return { host: stack.host, port: stack.submissionPort, security: 'starttls' };
		case 'expired': return { host: stack.host, port: stack.smtpsExpiredPort, security: 'tls' };
		case 'selfSignedTls': return { host: stack.selfSignedHost, port: stack.smtpsPort, security: 'tls' };
		case 'selfSignedStarttls': return { host: stack.selfSignedHost, port: stack.submissionPort, security: 'starttls' };
		case 'selfSignedWrongHost': return { host: stack.host, port: stack.smtpsSelfSignedWrongHostPort, security: 'tls' };
		case 'selfSignedExpired': return { host: stack.host, port: stack.smtpsSelfSignedExpiredPort, security: 'tls' };
		case 'wrongHostStarttls': return { host: stack.host, port: stack.submissionWrongHostPort, security: 'starttls' };
	}
}

function imapEndpoint(mode: StackImapMode): Endpoint {
	switch (mode) {
		case 'tls': return { host: stack.host, port: stack.imapsPort, security: 'tls' };
		case 'none': return { host: stack.host, port: stack.imapPort, security: 'none' };
		case 'starttls': return { host: stack.host, port: stack.imapPort, security: 'starttls' };
		case 'selfSignedTls': return { host: stack.selfSignedHost, port: stack.imapsPort, security: 'tls' };
		case 'selfSignedStarttls': return { host: stack.selfSignedHost, port: stack.imapPort, security: 'starttls' };
	}
}

/** Credential data (as n8n stores it) for a stack user. */
export function credentialFor(user: string, modes: StackModes = {}): ICredentialDataDecryptedObject {
	const smtp = smtpEndpoint(modes.smtp ?? 'tls');
	const imap = imapEndpoint(modes.imap ?? 'tls');
	return {
		email: addressOf(user),
		senderName: user.charAt(0).toUpperCase() + user.slice(1),
		user: addressOf(user),
		password: modes.password ?? stack.password,
		provider: 'custom',
		smtpHost: smtp.host,
		smtpPort: smtp.port,
		smtpSecurity: smtp.security,
		imapHost: imap.host,
		imapPort: imap.port,
		imapSecurity: imap.security,
		allowSelfSigned: modes.allowSelfSigned ?? false,
		trustedCa: modes.trustCa === false ? '' : stackCa(),
		...(modes.pins ? { pinnedFingerprints: modes.pins } : {}),
	};
}

/**
 * Credential data of n8n's own `imap` credential type (its Email Trigger (IMAP)) for a stack user, over
 * implicit TLS. That credential has no CA field: a server with a private CA, like the stack's, can only
 * be accepted with "Ignore SSL Issues", which is what a user of that node has to do.
 */
export function n8nImapCredentialFor(user: string): ICredentialDataDecryptedObject {
	return { user: addressOf(user), password: stack.password, host: stack.host, port: stack.imapsPort, secure: true, allowUnauthorizedCerts: true };
}

/** Resolved settings for a stack user (for transport-level tests), as the credential would give them. */
export function settingsFor(user: string, modes: StackModes = {}): MailboxSettings {
	const ca = modes.trustCa === false ? undefined : stackCa();
	const allowSelfSigned = (modes.allowSelfSigned ?? false) && !ca;
	return {
		email: addressOf(user),
		senderName: user,
		user: addressOf(user),
		password: modes.password ?? stack.password,
		smtp: smtpEndpoint(modes.smtp ?? 'tls'),
		imap: imapEndpoint(modes.imap ?? 'tls'),
		tls: { ...(ca ? { ca } : {}), allowSelfSigned, pinnedFingerprints: parseFingerprints(modes.pins) },
		filesSentItself: false,
	};
}

/** Runs a mailstack.sh sub-command (kick, seed, doveadm …) against the test instance. */
export async function mailstack(...args: string[]): Promise<string> {
	const { stdout } = await promisify(execFile)('bash', [MAILSTACK_SCRIPT, ...args], {
		env: { ...process.env, MAILSTACK_BASE },
		maxBuffer: 16 * 1024 * 1024,
	});
	return stdout;
}

/** Empties every folder of the given stack users (each test file owns its users), in one doveadm call. */
export async function resetMailboxes(...users: string[]): Promise<void> {
	const list = path.join(mkdtempSync(path.join(os.tmpdir(), 'mailstack-users-')), 'users');
	writeFileSync(list, users.map(addressOf).join('\n') + '\n');
	await mailstack('doveadm', 'expunge', '-F', list, 'mailbox', '*', 'all');
}
