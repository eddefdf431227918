/**
 * Hostile mail through the IMAP Reply Trigger node (n8n-core's engine, a manual test run against the real
 * Dovecot): a reply whose headers are named like Object.prototype members, with attachments named to
 * escape a folder, typed to run in a browser, and too many of them. User u140 belongs to this file.
 */
import { ImapReplyTrigger } from '../../nodes/ImapReplyTrigger/ImapReplyTrigger.node';
import { runWorkflow } from '../harness/engine';
import { addressOf, credentialFor, resetMailboxes } from '../helpers/mailstack';
import { appendTo, ourId, uniqueTag } from '../integration/trigger/trigger-fixtures';

const TYPE = 'n8n-nodes-smtp-sequence.imapReplyTrigger';
const USER = 'u140';

beforeAll(() => resetMailboxes(USER));

function hostileReply(tag: string, prospect: string): string {
	const attachment = (name: string, type: string, i: number) => [
		'--b',
		`Content-Type: ${type}`,
		`Content-Disposition: attachment; filename*=UTF-8''${name}`,
		'Content-Transfer-Encoding: base64',
		'',
		Buffer.from(`part ${i}`).toString('base64'),
	];
	return [
		`From: ${prospect}`,
		`To: ${addressOf(USER)}`,
		`Subject: Re: files ${tag}`,
		`Message-ID: <h.${tag}@acme.test>`,
		`In-Reply-To: ${ourId(`hostile-${tag}`, prospect, 1)}`,
		'Constructor: x',
		'__proto__: {"polluted": true}',
		'MIME-Version: 1.0',
		'Content-Type: multipart/mixed; boundary="b"',
		'',
		'--b',
		'Content-Type: text/plain; charset=utf-8',
		'',
		'Unsubscribe me, please.',
		...attachment('..%2F..%2F.n8n%2Fconfig', 'application/json', 0),
		...attachment('invoice%E2%80%AEfdp.html', 'text/html', 1),
		...Array.from({ length: 5 }, (_, i) => attachment(`extra-${i}.txt`, 'text/plain', i + 2)).flat(),
		'--b--',
		'',
	].join('\r\n');
}

describe('regression: hostile names, types and counts of attachments and headers (trigger, real mail)', () => {
	it('emits the reply with safe attachment names and types, within the limits, saying what it left out', async () => {
		const tag = uniqueTag();
		const prospect = 'lead@acme.test';
		await appendTo(USER, 'INBOX', hostileReply(tag, prospect));
		const result = await runWorkflow({
			workflow: {
				nodes: [{
					id: 't1', name: 'IMAP Reply Trigger', type: TYPE, typeVersion: 1, position: [0, 0],
					parameters: { options: { includeAttachments: true, includeHeaders: true, maxAttachments: 2 } },
					credentials: { outreachMailboxApi: { id: '1', name: 'Mailbox' } },
				}],
				connections: {},
			},
			nodeClasses: { [TYPE]: ImapReplyTrigger },
			credentials: { outreachMailboxApi: credentialFor(USER) },
		});
		expect(result.error).toBeUndefined();
		const [item] = result.output('IMAP Reply Trigger');
		expect(item.json).toMatchObject({ subject: `Re: files ${tag}`, class: 'unsubscribe', step: 1 });
		expect((item.json.headers as Record<string, unknown>).subject).toBe(`Re: files ${tag}`);
		expect(item.json.rawHeaders).toContain('Constructor: x');
		expect(Object.keys(item.binary ?? {})).toEqual(['attachment_0', 'attachment_1']);
		expect(item.binary?.attachment_0).toMatchObject({ fileName: 'config', mimeType: 'application/json' });
		expect(item.binary?.attachment_1).toMatchObject({ fileName: 'invoicefdp.html', mimeType: 'application/octet-stream' });
		expect(item.json.attachmentsOmittedCount).toBe(5);
		expect(item.json.attachmentsOmitted).toEqual(
			Array.from({ length: 5 }, (_, i) => ({ fileName: `extra-${i}.txt`, contentType: 'text/plain', size: `part ${i + 2}`.length, reason: 'tooMany' })),
		);
	});
});
