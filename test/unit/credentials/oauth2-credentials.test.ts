/**
 * The three OAuth2 credential types: they extend n8n's OAuth2 credential, fix everything the provider
 * decides (endpoints, the IMAP/SMTP scopes, the parameters that make a refresh token appear) as hidden
 * values, and leave the user the client id and secret plus who sends. The password credential keeps
 * exactly the fields it had.
 */
import type { ICredentialType, INodeProperties } from 'n8n-workflow';
import { OutreachMailboxApi } from '../../../credentials/OutreachMailboxApi.credentials';
import { OutreachMailboxGoogleOAuth2Api } from '../../../credentials/OutreachMailboxGoogleOAuth2Api.credentials';
import { OutreachMailboxMicrosoftOAuth2Api } from '../../../credentials/OutreachMailboxMicrosoftOAuth2Api.credentials';
import { OutreachMailboxOAuth2Api } from '../../../credentials/OutreachMailboxOAuth2Api.credentials';

function prop(type: ICredentialType, name: string): INodeProperties {
	const found = type.properties.find((p) => p.name === name);
	if (!found) throw new Error(`${type.name} has no property ${name}`);
	return found;
}

/** Fields the user sees (not hidden, not a notice), in order; inherited oAuth2Api fields not included. */
function visible(type: ICredentialType): string[] {
	return type.properties.filter((p) => p.type !== 'hidden' && p.type !== 'notice').map((p) => p.name);
}

describe('OAuth2 credential types', () => {
	const microsoft = new OutreachMailboxMicrosoftOAuth2Api();
	const google = new OutreachMailboxGoogleOAuth2Api();
	const generic = new OutreachMailboxOAuth2Api();

	it.each([microsoft, google, generic])('$name extends n8n\'s oAuth2Api and is named as an OAuth2 credential', (type) => {
		expect(type.extends).toEqual(['oAuth2Api']);
		expect(type.name).toMatch(/OAuth2Api$/);
		expect(type.displayName).toMatch(/^Outreach Mailbox \(.*OAuth2\)$/);
		expect(prop(type, 'grantType')).toMatchObject({ type: 'hidden', default: 'authorizationCode' });
		expect(prop(type, 'scope').type).toBe('hidden'); // n8n drops a stored scope unless its field is hidden
	});

	it('Microsoft: identity platform v2 endpoints for the tenant (default common), Exchange Online IMAP/SMTP scopes, refresh token', () => {
		expect(prop(microsoft, 'tenant')).toMatchObject({ type: 'string', default: 'common' });
		expect(prop(microsoft, 'authUrl')).toMatchObject({
			type: 'hidden',
			default: '=https://login.microsoftonline.com/{{ $self["tenant"] || "common" }}/oauth2/v2.0/authorize',
		});
		expect(prop(microsoft, 'accessTokenUrl')).toMatchObject({
			type: 'hidden',
			default: '=https://login.microsoftonline.com/{{ $self["tenant"] || "common" }}/oauth2/v2.0/token',
		});
		expect(String(prop(microsoft, 'scope').default).split(' ')).toEqual([
			'https://outlook.office.com/IMAP.AccessAsUser.All',
			'https://outlook.office.com/SMTP.Send',
			'offline_access',
		]);
		expect(visible(microsoft)).toEqual(['tenant', 'email', 'senderName', 'sharedMailbox']);
	});

	it('Google: Google endpoints, https://mail.google.com/, access_type=offline + prompt=consent', () => {
		expect(prop(google, 'authUrl').default).toBe('https://accounts.google.com/o/oauth2/v2/auth');
		expect(prop(google, 'accessTokenUrl').default).toBe('https://oauth2.googleapis.com/token');
		expect(prop(google, 'scope').default).toBe('https://mail.google.com/');
		expect(new URLSearchParams(String(prop(google, 'authQueryParameters').default))).toEqual(
			new URLSearchParams({ access_type: 'offline', prompt: 'consent' }),
		);
		expect(visible(google)).toEqual(['email', 'senderName']);
	});

	it('any other provider: endpoints come from n8n\'s OAuth2 form, scopes and servers are fields', () => {
		expect(prop(generic, 'scope').default).toBe('={{ $self["mailScopes"] }}');
		expect(generic.properties.some((p) => p.name === 'authUrl' || p.name === 'accessTokenUrl')).toBe(false); // inherited, editable
		expect(visible(generic)).toEqual([
			'mailScopes', 'email', 'senderName', 'user',
			'smtpHost', 'smtpPort', 'smtpSecurity', 'smtpAllowUnencrypted', 'imapHost', 'imapPort', 'imapSecurity', 'imapAllowUnencrypted',
			'allowSelfSigned', 'pinnedFingerprints', 'trustedCa',
		]);
	});
});

describe('password credential (Outreach Mailbox)', () => {
	it('keeps its fields, in order, with their defaults', () => {
		const type = new OutreachMailboxApi();
		expect(type.properties.filter((p) => p.type !== 'notice').map((p) => [p.name, p.default])).toEqual([
			['email', ''],
			['senderName', ''],
			['user', ''],
			['password', ''],
			['provider', 'custom'],
			['smtpHost', ''],
			['smtpPort', 465],
			['smtpSecurity', 'tls'],
			['smtpAllowUnencrypted', false],
			['imapHost', ''],
			['imapPort', 993],
			['imapSecurity', 'tls'],
			['imapAllowUnencrypted', false],
			['allowSelfSigned', false],
			['pinnedFingerprints', ''],
			['trustedCa', ''],
		]);
		expect(prop(type, 'smtpHost').displayOptions).toEqual({ show: { provider: ['custom'] } });
		// the "I understand" switch of a side shows only under its security None (issue 9)
		expect(prop(type, 'smtpAllowUnencrypted').displayOptions).toEqual({ show: { provider: ['custom'], smtpSecurity: ['none'] } });
		expect(prop(type, 'allowSelfSigned').displayOptions).toBeUndefined();
	});
});
