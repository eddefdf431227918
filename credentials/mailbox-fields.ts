/**
 * Fields every Outreach Mailbox credential shares (password and the three OAuth2 ones): who sends, where
 * the servers are, how TLS is verified. One definition, so the four credential forms read the same and
 * `nodes/shared/mailbox-credential.ts` reads their data the same way.
 */
import type { INodeProperties } from 'n8n-workflow';

/** Email Address and Sender Name. */
export const identityFields: INodeProperties[] = [
	{
		displayName: 'Email Address',
		name: 'email',
		type: 'string',
		placeholder: 'name@company.com',
		default: '',
		required: true,
		description: 'The address your sequences are sent from',
	},
	{
		displayName: 'Sender Name',
		name: 'senderName',
		type: 'string',
		placeholder: 'Jane Doe',
		default: '',
		description: 'Display name in the From header (optional)',
	},
];

/** Options of the SMTP Security / IMAP Security fields. */
export const securityOptions = [
	{ name: 'TLS (Implicit, Usually 465 / 993)', value: 'tls' },
	{ name: 'STARTTLS Required (Usually 587 / 143)', value: 'starttls' },
	{ name: 'None (Unencrypted: This Machine or a Private Network Only)', value: 'none' },
];

/**
 * The "I understand" switch under a side's security, shown when it is None: needed for a host that is
 * not this machine or a private network address (core/mailbox/settings.ts).
 */
function unencryptedConsent(side: 'SMTP' | 'IMAP', displayOptions?: INodeProperties['displayOptions']): INodeProperties {
	const key = side.toLowerCase();
	return {
		displayName: `${side}: I Understand the Password Is Sent Unencrypted`,
		name: `${key}AllowUnencrypted`,
		type: 'boolean',
		default: false,
		description: `Whether to allow security None for an ${side} server that is not this machine or a private network address (127.x, 10.x, 172.16–31.x, 192.168.x, fc00::/7). Without encryption anyone on the way can read the password and every email; host names other than localhost always need this switch.`,
		displayOptions: { ...displayOptions, show: { ...displayOptions?.show, [`${key}Security`]: ['none'] } },
	};
}

/** SMTP and IMAP host, port and security; `displayOptions` limits them (e.g. to the Custom provider). */
export function serverFields(displayOptions?: INodeProperties['displayOptions']): INodeProperties[] {
	const shown = displayOptions ? { displayOptions } : {};
	return [
		{ displayName: 'SMTP Host', name: 'smtpHost', type: 'string', placeholder: 'smtp.company.com', default: '', ...shown },
		{ displayName: 'SMTP Port', name: 'smtpPort', type: 'number', default: 465, ...shown },
		{ displayName: 'SMTP Security', name: 'smtpSecurity', type: 'options', options: securityOptions, default: 'tls', ...shown },
		unencryptedConsent('SMTP', displayOptions),
		{ displayName: 'IMAP Host', name: 'imapHost', type: 'string', placeholder: 'imap.company.com', default: '', ...shown },
		{ displayName: 'IMAP Port', name: 'imapPort', type: 'number', default: 993, ...shown },
		{ displayName: 'IMAP Security', name: 'imapSecurity', type: 'options', options: securityOptions, default: 'tls', ...shown },
		unencryptedConsent('IMAP', displayOptions),
	];
}

/**
 * Allow Self-Signed Certificates, Pinned Certificate Fingerprints and CA Certificate: every connection
 * that carries a password or token is verified; these only choose what is trusted (see
 * transport/tls-options.ts).
 */
export const tlsFields: INodeProperties[] = [
	{
		displayName: 'Allow Self-Signed Certificates',
		name: 'allowSelfSigned',
		type: 'boolean',
		default: false,
		description:
			'Whether to accept a certificate the server signed itself (a server you run yourself). Its host name and dates are still checked, a certificate from an unknown authority is still refused, and the option is ignored when a CA Certificate is given. Pin the fingerprint the credential test shows, or anyone between you and the server could present their own certificate and read the password.',
	},
	{
		displayName: 'Pinned Certificate Fingerprints (SHA-256)',
		name: 'pinnedFingerprints',
		type: 'string',
		default: '',
		placeholder: 'AB:CD:EF:…',
		description:
			'Optional. Accept only server certificates with one of these SHA-256 fingerprints (comma-separated; one per server if SMTP and IMAP use different certificates). The credential test shows the fingerprint each server presents.',
	},
	{
		displayName: 'CA Certificate (PEM)',
		name: 'trustedCa',
		type: 'string',
		typeOptions: { rows: 4 },
		default: '',
		placeholder: '-----BEGIN CERTIFICATE-----',
		description: "Trust servers whose certificate is signed by this authority (e.g. your company's private CA), while still verifying",
	},
];

/**
 * Fixed values of n8n's OAuth2 form for providers whose endpoints we know: hidden, so only client id and
 * secret remain. `scope` must be hidden (not merely defaulted): n8n drops a stored scope of a credential
 * whose scope field is not editable and uses this default, in 1.x and 2.x alike.
 */
export function fixedOAuth2Fields(values: { authUrl: string; accessTokenUrl: string; scope: string; authQueryParameters: string }): INodeProperties[] {
	return [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{ displayName: 'Authorization URL', name: 'authUrl', type: 'hidden', default: values.authUrl },
		{ displayName: 'Access Token URL', name: 'accessTokenUrl', type: 'hidden', default: values.accessTokenUrl },
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: values.scope },
		{ displayName: 'Auth URI Query Parameters', name: 'authQueryParameters', type: 'hidden', default: values.authQueryParameters },
		{ displayName: 'Authentication', name: 'authentication', type: 'hidden', default: 'body' },
	];
}
