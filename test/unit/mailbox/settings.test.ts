import { resolveMailboxSettings, type OutreachMailboxCredential } from '../../../core/mailbox/settings';
import { PROVIDER_PRESETS } from '../../../core/mailbox/presets';

const custom: OutreachMailboxCredential = {
	email: 'jane@acme.io', password: 'pw', provider: 'custom',
	smtpHost: 'mail.acme.io', smtpPort: 587, smtpSecurity: 'starttls', imapHost: 'mail.acme.io', imapPort: 993, imapSecurity: 'tls',
};

describe('resolveMailboxSettings', () => {
	it('uses the email address as user name when none is given, and verifies TLS by default', () => {
		const s = resolveMailboxSettings(custom);
		expect(s.user).toBe('jane@acme.io');
		expect(s.tls).toEqual({ allowSelfSigned: false, pinnedFingerprints: [] });
		expect(s.smtp).toEqual({ host: 'mail.acme.io', port: 587, security: 'starttls' });
	});

	it('accepts self-signed certificates only when explicitly allowed, and never when a CA is given', () => {
		expect(resolveMailboxSettings({ ...custom, allowSelfSigned: true }).tls.allowSelfSigned).toBe(true);
		const withCa = resolveMailboxSettings({ ...custom, allowSelfSigned: true, caCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----' });
		expect(withCa.tls.allowSelfSigned).toBe(false);
		expect(withCa.tls.ca).toContain('BEGIN CERTIFICATE');
	});

	it('reads pinned fingerprints in any common spelling, and refuses what is not one', () => {
		const hex = 'ab'.repeat(32);
		const s = resolveMailboxSettings({ ...custom, pinnedFingerprints: `${hex}, SHA256 Fingerprint=${'CD:'.repeat(31)}CD\n` });
		expect(s.tls.pinnedFingerprints).toEqual([`${'AB:'.repeat(31)}AB`, `${'CD:'.repeat(31)}CD`]);
		expect(() => resolveMailboxSettings({ ...custom, pinnedFingerprints: 'AB:CD' })).toThrow(/"AB:CD" is not a SHA-256 fingerprint/);
	});

	it.each(Object.keys(PROVIDER_PRESETS) as (keyof typeof PROVIDER_PRESETS)[])('preset %s fills hosts and ports', (provider) => {
		const s = resolveMailboxSettings({ email: 'x@y.com', password: 'pw', provider });
		expect(s.smtp).toEqual(PROVIDER_PRESETS[provider].smtp);
		expect(s.imap).toEqual(PROVIDER_PRESETS[provider].imap);
		expect(s.filesSentItself).toBe(PROVIDER_PRESETS[provider].filesSentItself);
	});

	it.each([
		[{ smtpHost: '' }, /SMTP host is empty/],
		[{ imapPort: 70000 }, /IMAP port must be a number from 1 to 65535/],
		[{ smtpHost: 'smtp.acme.io\r\nX: y' }, /not a host name/],
		[{ email: 'no-at-sign' }, /not an email address/],
		[{ senderName: 'Jane\r\nBcc: all@x.com' }, /sender name/i],
		[{ password: '' }, /password is empty/],
		[{ caCertificate: 'not a certificate' }, /CA Certificate \(PEM\) does not contain a certificate/],
	])('rejects %p', (override, message) => {
		expect(() => resolveMailboxSettings({ ...custom, ...override })).toThrow(message);
	});
});
