/**
 * Jest global setup for the integration and workflow projects: makes sure the real Postfix + Dovecot
 * run (installing them from Debian packages if missing), reusing a running instance. Each test file
 * empties the mailboxes it owns itself (`resetMailboxes`), so two test runs at once do not wipe each
 * other's mail.
 */
import { execFileSync } from 'node:child_process';
import { MAILSTACK_BASE, MAILSTACK_SCRIPT } from '../helpers/mailstack';

function run(args: string[], inherit = false): string {
	return execFileSync('bash', [MAILSTACK_SCRIPT, ...args], {
		env: { ...process.env, MAILSTACK_BASE },
		encoding: 'utf8',
		stdio: inherit ? ['ignore', 'pipe', 'inherit'] : ['ignore', 'pipe', 'pipe'],
	});
}

function isRunning(): boolean {
	try {
		run(['status']);
		return true;
	} catch {
		return false;
	}
}

export default async function globalSetup(): Promise<void> {
	if (process.env.SMTP_SEQUENCE_STACK_READY === '1') return; // second project in the same jest run
	if (!isRunning()) {
		if (typeof process.getuid === 'function' && process.getuid() !== 0) {
			throw new Error(
				'The integration tests need the real Postfix + Dovecot, which are installed (apt) and started as root.\n' +
					`Run the tests as root, or start the stack once yourself: sudo bash ${MAILSTACK_SCRIPT} start`,
			);
		}
		process.stderr.write('\n[mailstack] starting Postfix + Dovecot (first run installs Debian packages, ~1 min)\n');
		try {
			run(['start'], true);
		} catch (error) {
			throw new Error(
				`Could not start the test mail stack (${MAILSTACK_SCRIPT} start): ${(error as Error).message}\n` +
					'It needs root and the Debian apt repositories (packages postfix, dovecot-imapd, dovecot-lmtpd, openssl).',
			);
		}
	}
	process.env.SMTP_SEQUENCE_STACK_READY = '1';
}
