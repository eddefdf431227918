/**
 * SMTP Sequence with an OAuth2 mailbox inside n8n-core's real engine: Authentication "OAuth2", the token
 * from the real authorization server, refreshed through n8n-core's own `helpers.refreshOAuth2Token` (which
 * writes the new token back into the credential, as into n8n's database), XOAUTH2/OAUTHBEARER against the
 * real Postfix and Dovecot. Users u154 (sender), u155/u156 (prospects), u157 (revoked sign-in), and the
 * Exchange-like exo06 (folders keep no custom keywords) sending to u160.
 */
import type { ICredentialDataDecryptedObject, INode } from 'n8n-workflow';
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow, type WorkflowJson } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE } from '../harness/sequence-workflow';
import { createImapClient } from '../../transport/imap-client';
import { addressOf, resetMailboxes, settingsFor, stack } from '../helpers/mailstack';
import { connect, oauthCredentialFor, registerClient, revoke, serverEvents, tokenHash, type TokenResponse } from '../helpers/oauth';
import { readMailbox } from '../helpers/sequence';

const CREDENTIAL_TYPE = 'outreachMailboxOAuth2Api';
const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const steps = { step: [{ subject: 'Quick question', text: '=Hello {{ $json.name }}', waitAmount: 2, waitUnit: 'days', replyInThread: true }] };

function oauthSequenceWorkflow(parameters: INode['parameters']): WorkflowJson {
	return {
		nodes: [
			{ id: '1', name: 'Start', type: MANUAL_TRIGGER, typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: '2',
				name: 'SMTP Sequence',
				type: SEQUENCE_TYPE,
				typeVersion: 1,
				position: [200, 0],
				parameters: { authentication: 'oAuth2', ...parameters },
				credentials: { [CREDENTIAL_TYPE]: { id: 'c-oauth', name: 'Sales mailbox (OAuth2)' } },
			},
		],
		connections: { Start: { main: [[{ node: 'SMTP Sequence', type: 'main', index: 0 }]] } },
	};
}

const prospects = [
	{ json: { email: addressOf('u155'), name: 'Ann' } },
	{ json: { email: addressOf('u156'), name: 'Bo' } },
];

async function lastSeq(): Promise<number> {
	return (await serverEvents()).at(-1)?.seq ?? 0;
}

beforeAll(() => resetMailboxes('u154', 'u155', 'u156', 'u157', 'exo06', 'u160'));

describe('SMTP Sequence with an OAuth2 mailbox (n8n-core engine, real authorization server, real Postfix + Dovecot)', () => {
	it('refreshes a token that is due through n8n before signing in, saves the new one in the credential, sends, and the next run reads the ledger with it', async () => {
		const sender = 'u154';
		const client = await registerClient({ name: 'oauth2 workflow test' });
		const first: TokenResponse = await connect(client, addressOf(sender), stack.password);
		// the stored token expires in 10 s: inside the refresh margin (a quarter of 60 s)
		const credential = oauthCredentialFor(sender, client, first, { expiresInMs: 10_000 }) as ICredentialDataDecryptedObject;
		const since = await lastSeq();
		const sequenceKey = `oauth2-wf-${Date.now()}`;
		const parameters = { operation: 'send', sequenceKey, email: '={{ $json.email }}', steps, window: openWindow, pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 } };

		const run1 = await runWorkflow({ workflow: oauthSequenceWorkflow(parameters), nodeClasses, credentials: { [CREDENTIAL_TYPE]: credential }, input: prospects });
		expect(run1.error).toBeUndefined();
		expect(run1.output('SMTP Sequence').map((i) => i.json.status)).toEqual(['sent', 'sent']);

		// n8n refreshed it (refresh_token grant at the server) and saved the answer into the credential
		const stored = credential.oauthTokenData as TokenResponse & { n8n_expires_at?: string };
		expect(stored.access_token).not.toBe(first.access_token);
		expect(stored.refresh_token).not.toBe(first.refresh_token); // rotated by the server, kept by n8n
		expect(Number(stored.n8n_expires_at)).toBeGreaterThan(Date.now());
		const events = await serverEvents(since);
		expect(events.filter((e) => e.route === 'token' && e.grantType === 'refresh_token' && e.client === client.clientId)).toHaveLength(1);
		// IMAP and SMTP (Postfix → Dovecot SASL) signed in with the new token; the due one was never used
		const checked = events.filter((e) => e.route === 'introspection' && e.client === 'dovecot').map((e) => e.presentedToken);
		expect(checked).toContain(tokenHash(stored.access_token));
		expect(checked).not.toContain(tokenHash(first.access_token));
		for (const prospect of ['u155', 'u156']) {
			expect((await readMailbox(prospect)).map((m) => m.subject)).toContain('Quick question');
		}

		// next run: the saved token is fresh, no refresh; the ledger (read over IMAP) says step 1 is done
		const since2 = await lastSeq();
		const run2 = await runWorkflow({ workflow: oauthSequenceWorkflow(parameters), nodeClasses, credentials: { [CREDENTIAL_TYPE]: credential }, input: prospects });
		expect(run2.error).toBeUndefined();
		expect(run2.output('SMTP Sequence').map((i) => i.json.status)).toEqual(['completed', 'completed']);
		expect((await serverEvents(since2)).filter((e) => e.route === 'token')).toEqual([]);
	});

	it('a revoked sign-in gives the clear error, says to reconnect, and sends nothing', async () => {
		const sender = 'u157';
		const client = await registerClient({ name: 'oauth2 workflow test, revoked' });
		const tokens = await connect(client, addressOf(sender), stack.password);
		await revoke(client, String(tokens.refresh_token)); // the user removed the app's access: the whole grant ends
		const credential = oauthCredentialFor(sender, client, tokens, { expiresInMs: 5_000 }) as ICredentialDataDecryptedObject;
		const parameters = { operation: 'send', sequenceKey: `oauth2-revoked-${Date.now()}`, email: '={{ $json.email }}', steps, window: openWindow };

		const run = await runWorkflow({ workflow: oauthSequenceWorkflow(parameters), nodeClasses, credentials: { [CREDENTIAL_TYPE]: credential }, input: prospects });
		expect(run.error?.message).toMatch(/needs to be reconnected|expired or was revoked/);
		expect(JSON.stringify(run.run.data.resultData.error)).not.toContain(String(tokens.access_token));
		expect(JSON.stringify(run.run.data.resultData.error)).not.toContain(String(tokens.refresh_token));
		expect(await readMailbox('u157', 'Sent')).toEqual([]);
	});

	it('on an Exchange-like mailbox (no custom keywords kept), two racing executions and a later one send the step once', async () => {
		const sender = 'exo06';
		// the folder really drops keywords, like Exchange Online: PERMANENTFLAGS without \*
		const probe = createImapClient(settingsFor(sender));
		probe.on('error', () => undefined);
		await probe.connect();
		const sent = await probe.mailboxOpen('Sent');
		await probe.logout();
		expect([...(sent.permanentFlags ?? [])]).toContain('\\Seen');
		expect([...(sent.permanentFlags ?? [])]).not.toContain('\\*');

		const client = await registerClient({ name: 'oauth2 workflow test, Exchange-like' });
		const credential = oauthCredentialFor(sender, client, await connect(client, addressOf(sender), stack.password)) as ICredentialDataDecryptedObject;
		const parameters = { operation: 'send', sequenceKey: `oauth2-exo-${Date.now()}`, email: '={{ $json.email }}', steps, window: openWindow, pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 } };
		const input = [{ json: { email: addressOf('u160'), name: 'Ann' } }];
		const run = () => runWorkflow({ workflow: oauthSequenceWorkflow(parameters), nodeClasses, credentials: { [CREDENTIAL_TYPE]: credential }, input });
		const racing = await Promise.all([run(), run()]);
		const statuses = racing.map((r) => r.output('SMTP Sequence')[0].json.status);
		expect(statuses.filter((status) => status === 'sent')).toHaveLength(1);
		const later = await run();
		expect(later.output('SMTP Sequence')[0].json.status).toBe('completed');
		expect((await readMailbox('u160')).filter((m) => m.subject === 'Quick question')).toHaveLength(1);
	});
});
