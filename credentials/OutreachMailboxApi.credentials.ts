import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';
import { PROVIDER_PRESETS, type ProviderId } from '../core/mailbox/presets';

const providerIds = Object.keys(PROVIDER_PRESETS) as ProviderId[];

/** A notice per preset: where it connects and which password to use. */
const presetNotices: INodeProperties[] = providerIds.map((id) => {
	const p = PROVIDER_PRESETS[id];
	return {
		displayName: `${p.label}: SMTP ${p.smtp.host}:${p.smtp.port} (${p.smtp.security.toUpperCase()}), IMAP ${p.imap.host}:${p.imap.port} (${p.imap.security.toUpperCase()}). ${p.hint}`,
		name: `notice_${id}`,
		type: 'notice',
		default: '',
		displayOptions: { show: { provider: [id] } },
	};
});

const securityOptions = [
	{ name: 'TLS (Implicit, Usually 465 / 993)', value: 'tls' },
	{ name: 'STARTTLS Required (Usually 587 / 143)', value: 'starttls' },
	{ name: 'None (Unencrypted, Local Servers Only)', value: 'none' },
];
const customOnly = { displayOptions: { show: { provider: ['custom'] } } };

/** One mailbox that sends (SMTP) and receives (IMAP): the ledger of every sequence sent from it. */
export class OutreachMailboxApi implements ICredentialType {
	name = 'outreachMailboxApi';

	displayName = 'Outreach Mailbox';

	icon: Icon = { light: 'file:outreachMailbox.svg', dark: 'file:outreachMailbox.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-smtp-sequence/n8n-nodes-smtp-sequence#outreach-mailbox-credential';

	properties: INodeProperties[] = [
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
		{
			displayName: 'User Name',
			name: 'user',
			type: 'string',
			default: '',
			description: 'Login name for SMTP and IMAP. Leave empty to use the email address.',
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'The mailbox password, or an app password where the provider requires one',
		},
		{
			displayName: 'Provider',
			name: 'provider',
			type: 'options',
			default: 'custom',
			options: [
				...providerIds.map((id) => ({ name: PROVIDER_PRESETS[id].label, value: id })),
				{ name: 'Custom (Enter Servers)', value: 'custom' },
			],
			description: 'Fills in the SMTP and IMAP servers of well-known providers',
		},
		...presetNotices,
		{ displayName: 'SMTP Host', name: 'smtpHost', type: 'string', placeholder: 'smtp.company.com', default: '', ...customOnly },
		{ displayName: 'SMTP Port', name: 'smtpPort', type: 'number', default: 465, ...customOnly },
		{
			displayName: 'SMTP Security',
			name: 'smtpSecurity',
			type: 'options',
			options: securityOptions,
			default: 'tls',
			...customOnly,
		},
		{ displayName: 'IMAP Host', name: 'imapHost', type: 'string', placeholder: 'imap.company.com', default: '', ...customOnly },
		{ displayName: 'IMAP Port', name: 'imapPort', type: 'number', default: 993, ...customOnly },
		{
			displayName: 'IMAP Security',
			name: 'imapSecurity',
			type: 'options',
			options: securityOptions,
			default: 'tls',
			...customOnly,
		},
		{
			displayName: 'Allow Self-Signed Certificates',
			name: 'allowSelfSigned',
			type: 'boolean',
			default: false,
			description: 'Whether to connect even when the server certificate cannot be verified. Leave off unless you run the server yourself: verification protects your password.',
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
}
