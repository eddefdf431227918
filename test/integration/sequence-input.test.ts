/**
 * Inputs a demanding user will throw at the SMTP Sequence run, against the real stack: a 1 MB body, an
 * international domain, a server whose certificate expired.
 */
import { sequenceMessageId } from '../../core/mail/message-id';
import { addressOf, resetMailboxes, stack } from '../helpers/mailstack';
import { runAt, sequenceRequest, waitForMessage } from '../helpers/sequence';

const NOW = new Date(Date.now() - 60 * 60_000);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

beforeAll(() => resetMailboxes('u61', 'u62', 'u63', 'u64'));

describe('SMTP Sequence inputs (real Postfix + Dovecot)', () => {
	it('sends a 1 MB plain-text body intact', async () => {
		const key = `big-${unique()}`;
		const body = `Hello,\n${'0123456789abcdef '.repeat(61_000)}\nbye`;
		expect(Buffer.byteLength(body)).toBeGreaterThan(1_000_000);
		const results = await runAt(
			sequenceRequest({ sender: 'u61', sequenceKey: key, steps: [{ subject: 'Big one', text: body }], prospects: [addressOf('u62')] }),
			NOW,
		);
		expect(results[0]).toMatchObject({ status: 'sent' });
		const received = await waitForMessage('u62', (m) => m.messageId === sequenceMessageId(key, addressOf('u62'), 1, 'example.test'));
		expect(received.source.length).toBeGreaterThan(1_000_000);
		expect(received.source).toContain('bye');
	});

	it('previews an international domain in punycode and refuses a non-ASCII local part, per item', async () => {
		const results = await runAt(
			sequenceRequest({
				sender: 'u61',
				sequenceKey: `idn-${unique()}`,
				operation: 'preview',
				steps: [{ subject: 'Hallo', text: 'Hallo!' }],
				prospects: ['jose@bücher.de'],
			}),
			NOW,
		);
		expect(results[0]).toMatchObject({ status: 'due', email: 'jose@xn--bcher-kva.de' });
		expect(() => sequenceRequest({ sender: 'u61', sequenceKey: 'x', steps: [{ subject: 's', text: 't' }], prospects: ['josé@bücher.de'] })).toThrow(
			/needs SMTPUTF8/,
		);
	});

	it('an SMTP certificate that expired fails every due prospect, naming the server, and records nothing', async () => {
		const request = sequenceRequest({ sender: 'u63', sequenceKey: `expired-${unique()}`, steps: [{ subject: 'Hello', text: 'Hi' }], prospects: [addressOf('u64')] });
		const expired = { ...request, settings: { ...request.settings, smtp: { ...request.settings.smtp, port: stack.smtpsExpiredPort } } };
		const results = await runAt(expired, NOW);
		expect(results[0]).toMatchObject({ status: 'failed', error: expect.objectContaining({ code: 'CERT_EXPIRED', temporary: false }) });
		expect(results[0].reason).toMatch(new RegExp(`^SMTP server 127\\.0\\.0\\.1:${stack.smtpsExpiredPort}: its TLS certificate has expired`));
		expect(results[0].reason).not.toContain('secret');
	});
});
