/**
 * The Outreach Mailbox credential test, against the real Postfix + Dovecot: it logs in to both sides on
 * each security mode, and on failure says which side failed and why — without the password.
 */
import type { ICredentialDataDecryptedObject, ICredentialTestFunctions } from 'n8n-workflow';
import { outreachMailboxConnectionTest } from '../../nodes/shared/mailbox-credential';
import { credentialFor, stack, type StackModes } from '../helpers/mailstack';

const PASSWORD_MARKER = 'Wr0ng-Pa55-do-not-leak';

async function testCredential(modes: StackModes, overrides: ICredentialDataDecryptedObject = {}) {
	const data = { ...credentialFor('alice', modes), ...overrides };
	// The test function uses no helper of `this`; n8n passes an ICredentialTestFunctions.
	const context = {} as ICredentialTestFunctions;
	return outreachMailboxConnectionTest.call(context, { id: 'c1', name: 'Alice', type: 'outreachMailboxApi', data });
}

describe('Outreach Mailbox credential test (real Postfix + Dovecot)', () => {
	it.each<[string, StackModes]>([
		['SMTP implicit TLS 1465 + IMAPS 1993', { smtp: 'tls', imap: 'tls' }],
		['SMTP STARTTLS 1587 + IMAP plain 1143', { smtp: 'starttls', imap: 'none' }],
	])('passes with good settings: %s', async (_name, modes) => {
		const result = await testCredential(modes);
		expect(result).toEqual({ status: 'OK', message: expect.stringContaining('Logged in to SMTP') });
	});

	it('passes with a self-signed certificate only when self-signed certificates are allowed', async () => {
		const modes: StackModes = { trustCa: false, smtp: 'selfSignedTls', imap: 'selfSignedTls' };
		expect((await testCredential({ ...modes, allowSelfSigned: true })).status).toBe('OK');
		expect((await testCredential(modes)).status).toBe('Error');
	});

	it('fails for a wrong password on both sides, never echoing the password', async () => {
		const result = await testCredential({ password: PASSWORD_MARKER });
		expect(result.status).toBe('Error');
		expect(result.message).toContain(`SMTP server 127.0.0.1:${stack.smtpsPort}: the user name or password was rejected`);
		expect(result.message).toContain(`IMAP server 127.0.0.1:${stack.imapsPort}: the user name or password was rejected`);
		expect(result.message).toMatch(/app password/);
		expect(result.message).not.toContain(PASSWORD_MARKER);
		expect(result.message).not.toContain(Buffer.from(PASSWORD_MARKER).toString('base64'));
	});

	it('fails for a wrong port with "connection refused", naming the side', async () => {
		const result = await testCredential({}, { smtpPort: 1999 });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^SMTP server 127\.0\.0\.1:1999: the connection was refused/);
		expect(result.message).not.toMatch(/IMAP server/);
	});

	it('fails for TLS against a plain port with a TLS mismatch message', async () => {
		const result = await testCredential({}, { imapPort: stack.imapPort, imapSecurity: 'tls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(new RegExp(`^IMAP server 127\\.0\\.0\\.1:${stack.imapPort}: the TLS handshake failed`));
	});

	it('fails for a certificate signed by an unknown authority', async () => {
		const result = await testCredential({ trustCa: false });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/SMTP server .*certificate is not trusted/);
		expect(result.message).toMatch(/IMAP server .*certificate is not trusted/);
		expect(result.message).toMatch(/Allow Self-Signed Certificates/);
	});

	it('fails for an expired certificate even though its CA is trusted', async () => {
		const result = await testCredential({ smtp: 'expired' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(new RegExp(`^SMTP server 127\\.0\\.0\\.1:${stack.smtpsExpiredPort}: its TLS certificate has expired`));
	});

	it('fails for an unusable credential before connecting (empty host)', async () => {
		const result = await testCredential({}, { smtpHost: '' });
		expect(result).toEqual({ status: 'Error', message: 'SMTP host is empty: enter the server name of your mail provider.' });
	});
});
