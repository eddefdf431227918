import type { ICredentialType, INodeProperties, Icon } from 'n8n-workflow';
import { OAUTH2_PROVIDERS } from '../core/mailbox/oauth2-providers';
import { fixedOAuth2Fields, identityFields } from './mailbox-fields';

const google = OAUTH2_PROVIDERS.google;

/** A Google Workspace or Gmail mailbox, signed in with OAuth2 (IMAP and SMTP with XOAUTH2). */
export class OutreachMailboxGoogleOAuth2Api implements ICredentialType {
	name = 'outreachMailboxGoogleOAuth2Api';

	displayName = 'Outreach Mailbox (Google OAuth2)';

	extends = ['oAuth2Api'];

	icon: Icon = { light: 'file:outreachMailbox.svg', dark: 'file:outreachMailbox.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-smtp-sequence/n8n-nodes-smtp-sequence#google-workspace--gmail-oauth2';

	properties: INodeProperties[] = [
		{
			displayName: `Connects to IMAP ${google.imap.host}:${google.imap.port} and SMTP ${google.smtp.host}:${google.smtp.port} (TLS) with the scope ${google.scope}. In Google Cloud create an OAuth client of type "Web application" with the OAuth Redirect URL shown above. While the app's publishing status is "Testing", Google ends the connection after 7 days: publish the app.`,
			name: 'notice',
			type: 'notice',
			default: '',
		},
		...fixedOAuth2Fields({
			authUrl: google.authUrl,
			accessTokenUrl: google.accessTokenUrl,
			scope: google.scope,
			authQueryParameters: google.authQueryParameters,
		}),
		...identityFields,
	];
}
