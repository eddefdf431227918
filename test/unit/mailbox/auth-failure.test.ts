/**
 * Refused logins in plain words: Microsoft's and Google's reply lines (as their servers send them,
 * quoted in public troubleshooting pages and client logs) map to one sentence and the admin setting or
 * credential that fixes it.
 */
import { explainAuthFailure, providerOfHost } from '../../../core/mailbox/auth-failure';

const M365_SMTP = 'smtp.office365.com';
const M365_IMAP = 'outlook.office365.com';

describe('explainAuthFailure', () => {
	it.each([
		['smtp.office365.com', 'microsoft'],
		['outlook.office365.com', 'microsoft'],
		['smtp-mail.outlook.com', 'microsoft'],
		['imap.gmail.com', 'google'],
		['smtp.gmail.com', 'google'],
		['mail.example.com', 'other'],
		['office365.com.evil.test', 'other'],
	])('recognises %s as %s', (host, provider) => {
		expect(providerOfHost(host)).toBe(provider);
	});

	it('535 5.7.139 SMTP AUTH disabled for the tenant: names the Exchange admin setting', () => {
		const { sentence, hint } = explainAuthFailure({
			service: 'SMTP',
			host: M365_SMTP,
			auth: 'oauth2',
			response: '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR02CA0123.eurprd02.prod.outlook.com]',
		});
		expect(sentence).toMatch(/SMTP AUTH turned off for your organisation \(tenant\)/);
		expect(sentence).toContain('5.7.139');
		expect(hint).toMatch(/Turn off SMTP AUTH protocol for your organization/);
		expect(hint).toMatch(/SmtpClientAuthenticationDisabled \$false/);
	});

	it('535 5.7.139 SMTP AUTH disabled for the mailbox: names the per-mailbox switch', () => {
		const { sentence, hint } = explainAuthFailure({
			service: 'SMTP',
			host: M365_SMTP,
			auth: 'password',
			response: '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.',
		});
		expect(sentence).toMatch(/for this mailbox/);
		expect(hint).toMatch(/Manage email apps → Authenticated SMTP/);
	});

	it.each([
		["535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.", /security defaults/],
		['535 5.7.139 Authentication unsuccessful, basic authentication is disabled.', /no longer accepts a password/],
		['530 5.7.30 Basic authentication is not supported for Client Submission.', /no longer accepts a password/],
	])('Microsoft refusing a password (%s) points to the Microsoft OAuth2 credential', (response, sentence) => {
		const explained = explainAuthFailure({ service: 'SMTP', host: M365_SMTP, auth: 'password', response });
		expect(explained.sentence).toMatch(sentence);
		expect(explained.hint).toMatch(/Outreach Mailbox \(Microsoft OAuth2\)/);
	});

	it('Microsoft IMAP refusing a password: says IMAP takes only tokens there, and which credential to use', () => {
		const { sentence, hint } = explainAuthFailure({ service: 'IMAP', host: M365_IMAP, auth: 'password', response: 'AUTHENTICATE failed.' });
		expect(sentence).toMatch(/accept only sign-in tokens for IMAP/);
		expect(hint).toMatch(/Microsoft OAuth2/);
	});

	it('Microsoft IMAP refusing a token after a refresh: names the permission and the IMAP switch', () => {
		const { sentence, hint } = explainAuthFailure({ service: 'IMAP', host: M365_IMAP, auth: 'oauth2', response: 'AUTHENTICATE failed.' });
		expect(sentence).toMatch(/refused the sign-in token \(it was refreshed and tried again\)/);
		expect(hint).toMatch(/IMAP\.AccessAsUser\.All/);
		expect(hint).toMatch(/reconnect the credential/);
	});

	it('Google refusing a password: App Password or the Google OAuth2 credential', () => {
		const { hint } = explainAuthFailure({
			service: 'SMTP',
			host: 'smtp.gmail.com',
			auth: 'password',
			response: '535-5.7.8 Username and Password not accepted. For more information, go to 5.7.8  https://support.google.com/mail/?p=BadCredentials',
		});
		expect(hint).toMatch(/App Password/);
		expect(hint).toMatch(/Google OAuth2/);
	});

	it('Google refusing a token: the mail.google.com scope and the signed-in account', () => {
		const { hint } = explainAuthFailure({ service: 'IMAP', host: 'imap.gmail.com', auth: 'oauth2', response: 'Invalid credentials (Failure)' });
		expect(hint).toMatch(/https:\/\/mail\.google\.com\//);
	});

	it('any other server refusing a password keeps the words the password credential always had', () => {
		const { sentence, hint } = explainAuthFailure({ service: 'SMTP', host: 'mail.example.com', auth: 'password', response: '535 5.7.8 Error: authentication failed' });
		expect(sentence).toBe('the user name or password was rejected. The server said: "535 5.7.8 Error: authentication failed".');
		expect(hint).toMatch(/app password/);
	});
});
