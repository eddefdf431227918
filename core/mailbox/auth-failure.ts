/**
 * Why a mail server refused to log us in, in plain words with the provider's own fix. Microsoft 365 and
 * Google answer password and token refusals with codes that only make sense with their admin pages at
 * hand; this turns the server's reply into one sentence and a hint. Pure: the reply text in, words out.
 */

/** How the credential logs in. */
export type AuthKind = 'password' | 'oauth2';

/** The provider we recognise from the server name, for its specific words. */
export type MailProvider = 'microsoft' | 'google' | 'other';

/** What we know of the refused login. */
export interface AuthFailure {
	service: 'SMTP' | 'IMAP';
	host: string;
	auth: AuthKind;
	/** The server's reply line(s), secrets already removed. */
	response: string;
}

/** One sentence (after "SMTP server host:port: ") and a hint. */
export interface AuthFailureExplanation {
	sentence: string;
	hint: string;
}

const MICROSOFT_HOST = /(^|\.)(office365\.com|outlook\.com|office\.com|hotmail\.com|live\.com)$/i;
const GOOGLE_HOST = /(^|\.)(gmail\.com|googlemail\.com|google\.com)$/i;

/** Recognises Microsoft's and Google's servers by name. */
export function providerOfHost(host: string): MailProvider {
	if (MICROSOFT_HOST.test(host)) return 'microsoft';
	if (GOOGLE_HOST.test(host)) return 'google';
	return 'other';
}

const USE_MICROSOFT_OAUTH2 = 'Use the "Outreach Mailbox (Microsoft OAuth2)" credential (Authentication: Microsoft OAuth2 on the node): Microsoft accepts sign-in tokens where it refuses passwords.';
const ENABLE_SMTP_AUTH_MAILBOX =
	'A Microsoft 365 admin turns it on for the mailbox: admin center → Users → Active users → the user → Mail → Manage email apps → Authenticated SMTP.';
const ENABLE_SMTP_AUTH_TENANT =
	'A Microsoft 365 admin turns it on: Exchange admin center → Settings → Mail flow → clear "Turn off SMTP AUTH protocol for your organization" (or Set-TransportConfig -SmtpClientAuthenticationDisabled $false), or for this mailbox only: admin center → Users → Active users → the user → Mail → Manage email apps → Authenticated SMTP.';

function said(response: string): string {
	const line = response.replace(/\s+/g, ' ').trim().slice(0, 300);
	return line ? ` The server said: "${line}".` : '';
}

/** Explains a refused login (SMTP 535/534, IMAP NO [AUTHENTICATIONFAILED] …). */
export function explainAuthFailure(failure: AuthFailure): AuthFailureExplanation {
	const { service, auth, response } = failure;
	const provider = providerOfHost(failure.host);
	const detail = said(response);

	// Microsoft, SMTP: "535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled …"
	const smtpAuthOff = /SmtpClientAuthentication is disabled for the (Tenant|Mailbox)/i.exec(response);
	if (smtpAuthOff) {
		const scope = smtpAuthOff[1].toLowerCase() === 'tenant' ? 'your organisation (tenant)' : 'this mailbox';
		return {
			sentence: `Microsoft 365 has SMTP AUTH turned off for ${scope}, so no app may send through smtp.office365.com — with a password or with a token.${detail}`,
			hint: smtpAuthOff[1].toLowerCase() === 'tenant' ? ENABLE_SMTP_AUTH_TENANT : ENABLE_SMTP_AUTH_MAILBOX,
		};
	}
	// "535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy."
	if (/security defaults/i.test(response)) {
		return {
			sentence: `Microsoft refused the login: your organisation's security defaults block password sign-in for SMTP.${detail}`,
			hint: USE_MICROSOFT_OAUTH2,
		};
	}
	// "535 5.7.139 Authentication unsuccessful, basic authentication is disabled." / "5.7.30 Basic authentication is not supported for Client Submission"
	if (/basic authentication is (disabled|not supported)|5\.7\.30\b/i.test(response)) {
		return {
			sentence: `Microsoft no longer accepts a password (basic authentication) for ${service} on this mailbox.${detail}`,
			hint: USE_MICROSOFT_OAUTH2,
		};
	}
	// "535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully."
	if (/did not meet the criteria/i.test(response)) {
		return {
			sentence: `Microsoft refused the login because of a Conditional Access policy of your organisation.${detail}`,
			hint: 'Ask your Microsoft 365 admin to allow this sign-in (Entra ID → Conditional Access: sign-ins from the n8n server).',
		};
	}

	if (auth === 'oauth2') {
		if (provider === 'microsoft') {
			return {
				sentence: `Microsoft refused the sign-in token (it was refreshed and tried again).${detail}`,
				hint:
					service === 'IMAP'
						? 'Check that the app registration has the delegated permission IMAP.AccessAsUser.All (with admin consent where your organisation requires it) and that IMAP is enabled for the mailbox (admin center → Manage email apps → IMAP); for a shared mailbox, that you have Full Access to it. Then reconnect the credential.'
						: 'Check that the app registration has the delegated permission SMTP.Send and that Authenticated SMTP is enabled for the mailbox (admin center → Manage email apps). Then reconnect the credential.',
			};
		}
		if (provider === 'google') {
			return {
				sentence: `Google refused the sign-in token (it was refreshed and tried again).${detail}`,
				hint: 'The credential must ask for the scope https://mail.google.com/ (the Outreach Mailbox (Google OAuth2) credential does) and the Email Address must be the account you signed in with; a Workspace admin may also have turned IMAP off. Reconnect the credential.',
			};
		}
		return {
			sentence: `the sign-in token was refused (it was refreshed and tried again).${detail}`,
			hint: 'Check that the Scopes include the ones your provider requires for IMAP and SMTP, and that the Email Address / User Name is the account you signed in with; then reconnect the credential.',
		};
	}

	// password logins
	if (provider === 'microsoft') {
		return {
			sentence:
				service === 'IMAP'
					? `Microsoft refused the password: Microsoft 365 (since 2022) and Outlook.com (since September 2024) accept only sign-in tokens for IMAP.${detail}`
					: `Microsoft refused the password.${detail}`,
			hint:
				service === 'IMAP'
					? USE_MICROSOFT_OAUTH2
					: `Check the password (with multi-factor sign-in, an app password). Microsoft turns password SMTP off for all tenants by the end of 2026. ${USE_MICROSOFT_OAUTH2}`,
		};
	}
	if (provider === 'google') {
		return {
			sentence: `Google refused the password.${detail}`,
			hint: 'Use an App Password (Google Account → Security → 2-Step Verification → App passwords), or the "Outreach Mailbox (Google OAuth2)" credential where your Workspace admin disabled app passwords.',
		};
	}
	return {
		sentence: `the user name or password was rejected.${detail}`,
		hint: 'Check the password. Gmail, Yahoo, iCloud, Fastmail and Microsoft accounts with two-step sign-in need an app password.',
	};
}
