/**
 * "Allow Self-Signed Certificates" where the nodes connect (not only in the credential test): the SMTP
 * Sequence node sends through the stack's self-signed host (127.0.0.2) and the IMAP Reply Trigger reads
 * from it, in n8n-core's engine; a certificate the option must not accept fails every item, sending
 * nothing. Users u137 (sender), u138 (prospect) and u139 (trigger) belong to this file.
 */
import { X509Certificate } from 'node:crypto';
import { ImapReplyTrigger } from '../../nodes/ImapReplyTrigger/ImapReplyTrigger.node';
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { addressOf, credentialFor, resetMailboxes, stackSelfSignedCertificate, type StackModes } from '../helpers/mailstack';
import { readMailbox, waitForMessage } from '../helpers/sequence';
import { appendTo, ourId, replyRaw, uniqueTag } from '../integration/trigger/trigger-fixtures';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const TRIGGER_TYPE = 'n8n-nodes-smtp-sequence.imapReplyTrigger';
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const steps = { step: [{ subject: '=Hello {{ $json.firstName }}', text: '=Hi {{ $json.firstName }}', waitAmount: 0, waitUnit: 'days' }] };
const selfSigned = (modes: StackModes): StackModes => ({ trustCa: false, allowSelfSigned: true, ...modes });

beforeAll(() => resetMailboxes('u137', 'u138', 'u139'));

function sendRun(sequenceKey: string, modes: StackModes) {
	return runWorkflow({
		workflow: sequenceWorkflow(
			{ operation: 'send', sequenceKey, email: '={{ $json.email }}', steps, window: openWindow, pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 } },
			{ continueOnFail: true },
		),
		nodeClasses,
		credentials: { outreachMailboxApi: credentialFor('u137', modes) },
		input: [{ json: { email: addressOf('u138'), firstName: 'Ursula' } }],
	});
}

describe('SMTP Sequence with "Allow Self-Signed Certificates"', () => {
	it('sends through a server with a self-signed certificate for its host (SMTP STARTTLS, IMAP TLS), pinned', async () => {
		const key = `tls-self-signed-${uniqueTag()}`;
		const pins = new X509Certificate(stackSelfSignedCertificate()).fingerprint256;
		const result = await sendRun(key, selfSigned({ smtp: 'selfSignedStarttls', imap: 'selfSignedTls', pins }));
		expect(result.error).toBeUndefined();
		expect(result.output('SMTP Sequence')[0].json).toMatchObject({ status: 'sent', step: 1 });
		await waitForMessage('u138', (m) => m.subject === 'Hello Ursula');
	});

	it('fails every item, sending nothing, when the self-signed certificate is for another host', async () => {
		const key = `tls-wrong-host-${uniqueTag()}`;
		const result = await sendRun(key, selfSigned({ smtp: 'selfSignedWrongHost', imap: 'selfSignedTls' }));
		expect(result.error).toBeUndefined();
		expect(result.output('SMTP Sequence')[0].json).toMatchObject({
			status: 'failed',
			error: { code: 'CERT_HOSTNAME_MISMATCH', message: expect.stringMatching(/^SMTP server 127\.0\.0\.1:\d+: its TLS certificate is not valid for the name "127\.0\.0\.1"/) },
		});
		expect((await readMailbox('u138')).filter((m) => m.subject === 'Hello Ursula')).toHaveLength(1); // only the earlier test's
		expect(await readMailbox('u137', 'Sent')).toHaveLength(1);
	});
});

describe('IMAP Reply Trigger with "Allow Self-Signed Certificates"', () => {
	const triggerNode = { id: 't1', name: 'IMAP Reply Trigger', type: TRIGGER_TYPE, typeVersion: 1, position: [0, 0] as [number, number], parameters: {}, credentials: { outreachMailboxApi: { id: '1', name: 'Mailbox' } } };

	it('reads a reply from a server with a self-signed certificate (IMAP STARTTLS)', async () => {
		const tag = uniqueTag();
		const prospect = addressOf('u138');
		await appendTo('u139', 'INBOX', replyRaw({ from: prospect, to: addressOf('u139'), subject: `Re: hello ${tag}`, inReplyTo: ourId(`tls-${tag}`, prospect, 1) }));
		const result = await runWorkflow({
			workflow: { nodes: [triggerNode], connections: {} },
			nodeClasses: { [TRIGGER_TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor('u139', selfSigned({ imap: 'selfSignedStarttls' })) },
		});
		expect(result.error).toBeUndefined();
		expect(result.output('IMAP Reply Trigger')[0].json).toMatchObject({ subject: `Re: hello ${tag}`, class: 'reply' });
	});

	it('does not log in where the certificate is from an authority that is not trusted', async () => {
		const result = await runWorkflow({
			workflow: { nodes: [triggerNode], connections: {} },
			nodeClasses: { [TRIGGER_TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor('u139', selfSigned({ imap: 'starttls' })) },
		});
		expect(result.error?.message).toMatch(/^IMAP server 127\.0\.0\.1:\d+: its TLS certificate is signed by an authority that is not trusted/);
	});
});
