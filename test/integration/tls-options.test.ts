/**
 * The credential's TLS options against the real Postfix + Dovecot, which serve certificates of every kind
 * (test/mailstack/mailstack.sh): the test CA's valid, expired and wrong-host certificates, a self-signed
 * leaf on 127.0.0.2 (IMAP, IMAPS, submission, SMTPS), the same leaf where its address does not match, and
 * an expired self-signed leaf. Each test runs the credential test n8n runs on save, which logs in to both
 * sides; the IMAP side is the plain test-CA endpoint unless a test says otherwise.
 */
import { X509Certificate } from 'node:crypto';
import type { ICredentialTestFunctions } from 'n8n-workflow';
import { outreachMailboxConnectionTest } from '../../nodes/shared/mailbox-credential';
import { credentialFor, stack, stackSelfSignedCertificate, type StackModes } from '../helpers/mailstack';

const USER = 'u136';
const selfSignedFingerprint = () => new X509Certificate(stackSelfSignedCertificate()).fingerprint256;

async function credentialTest(modes: StackModes) {
	// the test function uses no helper of `this`; n8n passes an ICredentialTestFunctions
	const context = {} as ICredentialTestFunctions;
	return outreachMailboxConnectionTest.call(context, { id: 'c1', name: 'TLS', type: 'outreachMailboxApi', data: credentialFor(USER, modes) });
}

describe('regression: "Allow Self-Signed Certificates" turned off every TLS check (rejectUnauthorized: false)', () => {
	const allow: StackModes = { trustCa: false, allowSelfSigned: true };

	it('refuses a self-signed certificate that is for another host', async () => {
		const result = await credentialTest({ ...allow, smtp: 'selfSignedWrongHost', imap: 'selfSignedTls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(new RegExp(`^SMTP server 127\\.0\\.0\\.1:${stack.smtpsSelfSignedWrongHostPort}: its TLS certificate is not valid for the name "127\\.0\\.0\\.1"`));
		expect(result.message).toContain(`Certificate seen: SHA-256 ${selfSignedFingerprint()}`);
	});

	it('refuses an expired self-signed certificate', async () => {
		const result = await credentialTest({ ...allow, smtp: 'selfSignedExpired', imap: 'selfSignedTls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^SMTP server .*: its TLS certificate expired on 2021-01-01\./);
	});

	it('refuses a certificate from an authority that is not trusted (it is not self-signed), on both sides', async () => {
		const result = await credentialTest({ ...allow, smtp: 'tls', imap: 'tls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/SMTP server .*: its TLS certificate is signed by an authority that is not trusted \(CN=smtp-sequence test CA\)/);
		expect(result.message).toMatch(/IMAP server .*: its TLS certificate is signed by an authority that is not trusted/);
	});

	it('refuses an expired certificate from an authority that is not trusted', async () => {
		const result = await credentialTest({ ...allow, smtp: 'expired', imap: 'selfSignedTls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^SMTP server .*: its TLS certificate is signed by an authority that is not trusted/);
	});

	it('is ignored when a CA is given: a certificate of that CA for another host name still fails (STARTTLS)', async () => {
		const result = await credentialTest({ trustCa: true, allowSelfSigned: true, smtp: 'wrongHostStarttls', imap: 'tls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(new RegExp(`^SMTP server 127\\.0\\.0\\.1:${stack.submissionWrongHostPort}: its TLS certificate is not valid for the name "127\\.0\\.0\\.1"`));
		expect(result.message).not.toMatch(/IMAP server/);
	});

	it('is ignored when a CA is given: an expired certificate of that CA still fails', async () => {
		const result = await credentialTest({ trustCa: true, allowSelfSigned: true, smtp: 'expired', imap: 'tls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/^SMTP server .*: its TLS certificate has expired/);
	});

	it('accepts a self-signed certificate for the right host over implicit TLS and STARTTLS, and shows its fingerprint to pin', async () => {
		for (const [smtp, imap] of [['selfSignedTls', 'selfSignedTls'], ['selfSignedStarttls', 'selfSignedStarttls']] as const) {
			const result = await credentialTest({ ...allow, smtp, imap });
			expect(result).toEqual({ status: 'OK', message: expect.stringMatching(/^Logged in to SMTP .* and IMAP .*\./) });
			const fingerprint = selfSignedFingerprint();
			expect(result.message).toContain(`SMTP certificate: SHA-256 ${fingerprint} (self-signed, valid until`);
			expect(result.message).toContain(`IMAP certificate: SHA-256 ${fingerprint} (self-signed`);
			expect(result.message).toContain('paste this fingerprint into "Pinned Certificate Fingerprints"');
		}
	});
});

describe('pinned certificate fingerprints', () => {
	const other = `${'AB:'.repeat(31)}AB`;

	it('accept the pinned self-signed certificate', async () => {
		const result = await credentialTest({ trustCa: false, allowSelfSigned: true, smtp: 'selfSignedTls', imap: 'selfSignedStarttls', pins: selfSignedFingerprint().toLowerCase() });
		expect(result.status).toBe('OK');
		expect(result.message).toContain(`SMTP certificate: SHA-256 ${selfSignedFingerprint()} (self-signed, valid until 2036`.slice(0, 40));
		expect(result.message).toMatch(/, pinned\./);
	});

	it('refuse a self-signed certificate that is not pinned, naming the one seen', async () => {
		const result = await credentialTest({ trustCa: false, allowSelfSigned: true, smtp: 'selfSignedTls', imap: 'selfSignedTls', pins: other });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(new RegExp(`SMTP server .*: its TLS certificate has the SHA-256 fingerprint ${selfSignedFingerprint()}, which is not one of the pinned fingerprints`));
		expect(result.message).toMatch(/IMAP server .*not one of the pinned fingerprints/);
	});

	it('also hold for a certificate the CA vouches for (checked on the connection itself)', async () => {
		const result = await credentialTest({ trustCa: true, smtp: 'tls', imap: 'starttls', pins: other });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/SMTP server .*: its TLS certificate \(SHA-256 [0-9A-F:]{95}\) is not one of the pinned fingerprints/);
		expect(result.message).toMatch(/IMAP server .*: its TLS certificate \(SHA-256 [0-9A-F:]{95}\) is not one of the pinned fingerprints/);
	});
});

describe('regression: the expired-certificate hint recommended "Allow Self-Signed Certificates"', () => {
	it('says to renew the certificate, and nothing about turning checks off', async () => {
		const result = await credentialTest({ smtp: 'expired', imap: 'tls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/its TLS certificate has expired.*must renew the certificate/);
		expect(result.message).not.toMatch(/Self-Signed/i);
	});
});

describe('the credential test shows the certificate an untrusted server presented', () => {
	it('names the fingerprint of a self-signed certificate when the option is off', async () => {
		const result = await credentialTest({ trustCa: false, smtp: 'selfSignedTls', imap: 'selfSignedStarttls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/SMTP server .*: its TLS certificate is not trusted/);
		expect(result.message).toContain(`Certificate seen: SHA-256 ${selfSignedFingerprint()} (self-signed`);
		expect(result.message).toMatch(/IMAP server .*Certificate seen: SHA-256/);
	});
});

describe('STARTTLS certificate failures on the real servers are reported as the certificate problem', () => {
	it.each<[string, StackModes, RegExp]>([
		['SMTP, a CA certificate for another host', { smtp: 'wrongHostStarttls', imap: 'tls' }, /^SMTP server .*: its TLS certificate is not valid for the name/],
		['SMTP, a self-signed certificate not allowed', { trustCa: false, smtp: 'selfSignedStarttls', imap: 'selfSignedStarttls' }, /^SMTP server .*: its TLS certificate is not trusted/],
		['IMAP, a certificate of an unknown authority', { trustCa: false, smtp: 'selfSignedStarttls', imap: 'starttls' }, /\| IMAP server .*: its TLS certificate is not trusted/],
	])('%s', async (_name, modes, expected) => {
		const result = await credentialTest(modes);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(expected);
		expect(result.message).not.toMatch(/STARTTLS/);
	});
});

describe('"Allow Self-Signed Certificates" with a CA given', () => {
	it('is ignored: a self-signed certificate is not trusted when a CA is given', async () => {
		const result = await credentialTest({ trustCa: true, allowSelfSigned: true, smtp: 'selfSignedTls', imap: 'selfSignedTls' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/SMTP server .*: its TLS certificate is not trusted/);
		expect(result.message).toMatch(/IMAP server .*: its TLS certificate is not trusted/);
	});
});
