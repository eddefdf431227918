import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';
import { DEFAULT_MICROSOFT_TENANT, OAUTH2_PROVIDERS } from '../core/mailbox/oauth2-providers';
import { fixedOAuth2Fields, identityFields } from './mailbox-fields';

const microsoft = OAUTH2_PROVIDERS.microsoft;
const withTenant = (url: string) => `=${url.replace('{tenant}', `{{ $self["tenant"] || "${DEFAULT_MICROSOFT_TENANT}" }}`)}`;

/** A Microsoft 365 or Outlook.com mailbox, signed in with OAuth2 (IMAP and SMTP AUTH with XOAUTH2). */
export class OutreachMailboxMicrosoftOAuth2Api implements ICredentialType {
	name = 'outreachMailboxMicrosoftOAuth2Api';

	displayName = 'Outreach Mailbox (Microsoft OAuth2)';

	extends = ['oAuth2Api'];

	icon: Icon = { light: 'file:outreachMailbox.svg', dark: 'file:outreachMailbox.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-smtp-sequence/n8n-nodes-smtp-sequence#microsoft-365--outlookcom-oauth2';

	properties: INodeProperties[] = [
		{
			displayName: `Connects to IMAP ${microsoft.imap.host}:${microsoft.imap.port} (TLS) and SMTP ${microsoft.smtp.host}:${microsoft.smtp.port} (STARTTLS). In your Microsoft Entra app registration add the OAuth Redirect URL shown above and the delegated permissions IMAP.AccessAsUser.All, SMTP.Send and offline_access; your admin must allow SMTP AUTH for this mailbox.`,
			name: 'notice',
			type: 'notice',
			default: '',
		},
		{
			displayName: 'Tenant',
			name: 'tenant',
			type: 'string',
			default: DEFAULT_MICROSOFT_TENANT,
			description:
				'Your Microsoft Entra tenant ID or domain (contoso.onmicrosoft.com) for a single-tenant app, or "common" (work, school and personal accounts), "organizations" or "consumers"',
		},
		...fixedOAuth2Fields({
			authUrl: withTenant(microsoft.authUrl),
			accessTokenUrl: withTenant(microsoft.accessTokenUrl),
			scope: microsoft.scope,
			authQueryParameters: microsoft.authQueryParameters,
		}),
		...identityFields,
		{
			displayName: 'Shared Mailbox',
			name: 'sharedMailbox',
			type: 'string',
			placeholder: 'sales@company.com',
			default: '',
			description:
				'Send from and watch a shared mailbox instead of your own: its address. You sign in as yourself (Email Address) and need Full Access and Send As on it.',
		},
	];
}
