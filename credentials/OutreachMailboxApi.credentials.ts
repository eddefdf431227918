import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';
import { PROVIDER_PRESETS, type ProviderId } from '../core/mailbox/presets';
import { identityFields, serverFields, tlsFields } from './mailbox-fields';

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

const customOnly = { show: { provider: ['custom'] } };

/** One mailbox that sends (SMTP) and receives (IMAP): the ledger of every sequence sent from it. */
export class OutreachMailboxApi implements ICredentialType {
	name = 'outreachMailboxApi';

	displayName = 'Outreach Mailbox';

	icon: Icon = { light: 'file:outreachMailbox.svg', dark: 'file:outreachMailbox.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-smtp-sequence/n8n-nodes-smtp-sequence#outreach-mailbox-credential';

	properties: INodeProperties[] = [
		...identityFields,
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
		...serverFields(customOnly),
		...tlsFields,
	];
}
