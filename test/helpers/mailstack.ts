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
import type { Security } from '../../core/mailbox/presets';
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
	caPath: env.MAILSTACK_CA ?? path.join(MAILSTACK_BASE, 'tls/ca.pem'),
};

/** The test CA (PEM) that signed the stack's certificates. */
export function stackCa(): string {
	return readFileSync(stack.caPath, 'utf8');
}

/** Full address of a stack user ("alice" → "alice@example.test"). */
export function addressOf(user: string): string {
	return user.includes('@') ? user : `${user}@${stack.domain}`;
}

/** Connection modes a test can pick. */
export interface StackModes {
	smtp?: 'tls' | 'starttls' | 'expired';
	imap?: 'tls' | 'none';
	/** Trust the test CA (default true). */
	trustCa?: boolean;
	allowSelfSigned?: boolean;
	password?: string;
}

/** Credential data (as n8n stores it) for a stack user. */
export function credentialFor(user: string, modes: StackModes = {}): ICredentialDataDecryptedObject {
	const smtp = modes.smtp ?? 'tls';
	const imap = modes.imap ?? 'tls';
	const smtpPort = smtp === 'tls' ? stack.smtpsPort : smtp === 'starttls' ? stack.submissionPort : stack.smtpsExpiredPort;
	const smtpSecurity: Security = smtp === 'starttls' ? 'starttls' : 'tls';
	return {
		email: addressOf(user),
		senderName: user.charAt(0).toUpperCase() + user.slice(1),
		user: addressOf(user),
		password: modes.password ?? stack.password,
		provider: 'custom',
		smtpHost: stack.host,
		smtpPort,
		smtpSecurity,
		imapHost: stack.host,
		imapPort: imap === 'tls' ? stack.imapsPort : stack.imapPort,
		imapSecurity: imap,
		allowSelfSigned: modes.allowSelfSigned ?? false,
		trustedCa: modes.trustCa === false ? '' : stackCa(),
	};
}

/** Resolved settings for a stack user (for transport-level tests). */
export function settingsFor(user: string, modes: StackModes = {}): MailboxSettings {
	const smtp = modes.smtp ?? 'tls';
	const imap = modes.imap ?? 'tls';
	const ca = modes.trustCa === false ? undefined : stackCa();
	return {
		email: addressOf(user),
		senderName: user,
		user: addressOf(user),
		password: modes.password ?? stack.password,
		smtp: {
			host: stack.host,
			port: smtp === 'tls' ? stack.smtpsPort : smtp === 'starttls' ? stack.submissionPort : stack.smtpsExpiredPort,
			security: smtp === 'starttls' ? 'starttls' : 'tls',
		},
		imap: { host: stack.host, port: imap === 'tls' ? stack.imapsPort : stack.imapPort, security: imap },
		tls: { rejectUnauthorized: !(modes.allowSelfSigned ?? false), ...(ca ? { ca } : {}) },
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
