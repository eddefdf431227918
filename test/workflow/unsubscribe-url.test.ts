/**
 * Regression (issue 9), through the SMTP Sequence node in n8n-core's engine and the real mail stack: a
 * one-click unsubscribe URL with non-ASCII characters went out as an RFC 2047-encoded List-Unsubscribe
 * that no client can read (the mailto lost with it), and one with a NUL passed validation. Users u141
 * (sender) and u142 (prospect) belong to this file.
 */
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { addressOf, credentialFor, resetMailboxes } from '../helpers/mailstack';
import { waitForMessage } from '../helpers/sequence';
import { uniqueTag } from '../integration/trigger/trigger-fixtures';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };

beforeAll(() => resetMailboxes('u141', 'u142'));

function run(unsubscribeUrl: string, subject: string) {
	return runWorkflow({
		workflow: sequenceWorkflow({
			operation: 'send',
			sequenceKey: `unsubscribe-url-${uniqueTag()}`,
			email: '={{ $json.email }}',
			steps: { step: [{ subject, text: 'Hello', waitAmount: 0, waitUnit: 'days' }] },
			window: openWindow,
			pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
			messageOptions: { unsubscribeUrl },
		}),
		nodeClasses,
		credentials: { outreachMailboxApi: credentialFor('u141') },
		input: [{ json: { email: addressOf('u142') } }],
	});
}

/** The unfolded value of one header in a raw header block. */
function headerValue(headers: string, name: string): string | undefined {
	const unfolded = headers.replace(/\r\n[ \t]+/g, ' ');
	const line = unfolded.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
	return line?.slice(name.length + 1).trim();
}

describe('regression: unsubscribe URLs with NUL, DEL or non-ASCII broke the List-Unsubscribe header', () => {
	it('sends a non-ASCII URL in its printable ASCII form, next to the intact mailto', async () => {
		const subject = `Unsubscribe ${uniqueTag()}`;
		const result = await run('https://bücher.test/abmelden?wer=jürgen,1', subject);
		expect(result.error).toBeUndefined();
		expect(result.output('SMTP Sequence')[0].json).toMatchObject({ status: 'sent' });
		const received = await waitForMessage('u142', (m) => m.subject === subject);
		expect(headerValue(received.headers, 'List-Unsubscribe')).toBe(
			`<mailto:${addressOf('u141')}?subject=unsubscribe>, <https://xn--bcher-kva.test/abmelden?wer=j%C3%BCrgen%2C1>`,
		);
		expect(headerValue(received.headers, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
	});

	it('refuses a URL with a NUL before sending anything, naming the parameter', async () => {
		const result = await run('https://acme.test/u?id=\u0000', `Never ${uniqueTag()}`);
		expect(result.error?.message).toMatch(/^One-Click Unsubscribe URL .* contains a control character \(U\+0000\)/);
	});
});
