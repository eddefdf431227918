import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';
import { identityFields, serverFields, tlsFields } from './mailbox-fields';

/** Any other provider's mailbox signed in with OAuth2: endpoints, scopes and servers as fields. */
export class OutreachMailboxOAuth2Api implements ICredentialType {
	name = 'outreachMailboxOAuth2Api';

	displayName = 'Outreach Mailbox (OAuth2)';

	extends = ['oAuth2Api'];

	icon: Icon = { light: 'file:outreachMailbox.svg', dark: 'file:outreachMailbox.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-smtp-sequence/n8n-nodes-smtp-sequence#other-providers-oauth2';

	properties: INodeProperties[] = [
		{ displayName: 'Grant Type', name: 'grantType', type: 'hidden', default: 'authorizationCode' },
		{
			displayName: 'Scopes',
			name: 'mailScopes',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'mail offline_access',
			description: "The scopes that open your provider's IMAP and SMTP, separated by spaces; include the one that issues a refresh token (often offline_access)",
		},
		// n8n keeps a stored scope only for the credential types it knows as editable; a hidden scope
		// resolved from our own field works in every n8n version
		{ displayName: 'Scope', name: 'scope', type: 'hidden', default: '={{ $self["mailScopes"] }}' },
		...identityFields,
		{
			displayName: 'User Name',
			name: 'user',
			type: 'string',
			default: '',
			description: 'Login name for SMTP and IMAP. Leave empty to use the email address.',
		},
		...serverFields(),
		...tlsFields,
	];
}
