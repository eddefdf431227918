/**
 * Regression (issue 9): security "None" sent the password in clear to any host. It is allowed for this
 * machine and private networks, elsewhere only behind the credential's "I understand" switch of that side.
 */
import { isLoopbackOrPrivateHost } from '../../../core/mailbox/host';
import { resolveMailboxSettings, type OutreachMailboxCredential } from '../../../core/mailbox/settings';

const credential = (host: string, overrides: Partial<OutreachMailboxCredential> = {}): OutreachMailboxCredential => ({
	email: 'jane@acme.io', password: 'pw', provider: 'custom',
	smtpHost: host, smtpPort: 25, smtpSecurity: 'none', imapHost: host, imapPort: 143, imapSecurity: 'none',
	...overrides,
});

describe('regression: security None sent the password in clear to any host', () => {
	it.each(['smtp.acme.io', '8.8.8.8', '172.32.0.1', '100.64.0.1', '2001:db8::1', '10.0.0.1.nip.io', 'localhost.acme.io'])(
		'refuses None for %s without the "I understand" switch, naming the side and what to do',
		(host) => {
			expect(() => resolveMailboxSettings(credential(host))).toThrow(`SMTP security is "None", but ${host} is not this machine or a private network address`);
			expect(() => resolveMailboxSettings(credential(host, { smtpSecurity: 'tls' }))).toThrow(/^IMAP security is "None"/);
		},
	);

	it('allows it for a public host when the user turned on the switch of that side', () => {
		expect(() => resolveMailboxSettings(credential('smtp.acme.io', { smtpAllowUnencrypted: true }))).toThrow(/^IMAP security/);
		const s = resolveMailboxSettings(credential('smtp.acme.io', { smtpAllowUnencrypted: true, imapAllowUnencrypted: true }));
		expect(s.smtp.security).toBe('none');
	});

	it.each(['localhost', '127.0.0.1', '127.1', '10.1.2.3', '172.16.0.9', '172.31.255.1', '192.168.1.5', '169.254.1.1', '::1', '[::1]', 'fd12:3456::1', 'fe80::1', '::ffff:192.168.0.1', '::ffff:7f00:1'])(
		'allows None for this machine or a private network: %s',
		(host) => {
			expect(isLoopbackOrPrivateHost(host)).toBe(true);
			expect(resolveMailboxSettings(credential(host)).imap.security).toBe('none');
		},
	);

	it('never counts a host name other than localhost as private (what it resolves to can change)', () => {
		expect(isLoopbackOrPrivateHost('mail.lan')).toBe(false);
		expect(isLoopbackOrPrivateHost('mailserver')).toBe(false);
	});
});
