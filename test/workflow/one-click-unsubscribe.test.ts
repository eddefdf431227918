/**
 * One-click unsubscribe through the SMTP Sequence node in n8n-core's engine and the real mail stack:
 * Send Due Steps puts a signed link in List-Unsubscribe and the footer; Record Unsubscribe (what the
 * webhook workflow runs) checks the token and files the record in INBOX; the next run stops that
 * prospect and only that one. Users u221 (sender), u222 and u223 (prospects) belong to this file.
 */
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { addressOf, credentialFor, resetMailboxes } from '../helpers/mailstack';
import { readMailbox, waitForMessage, type ReceivedMessage } from '../helpers/sequence';
import { uniqueTag } from '../integration/trigger/trigger-fixtures';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const openWindow = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const SECRET = 'workflow-test-secret-7f3c9a1e5b';
const WEBHOOK = 'https://n8n.acme.test/webhook/unsubscribe';
const SENDER = 'u221';
const LEAVER = 'u222';
const STAYER = 'u223';
const sequenceKey = `one-click-${uniqueTag()}`;
const credentials = { outreachMailboxApi: credentialFor(SENDER) };

beforeAll(() => resetMailboxes(SENDER, LEAVER, STAYER));

function send(messageOptions: Record<string, string> = { unsubscribeWebhookUrl: WEBHOOK, unsubscribeSecret: SECRET, unsubscribeFooter: 'Not interested?' }) {
	return runWorkflow({
		workflow: sequenceWorkflow({
			operation: 'send',
			sequenceKey,
			email: '={{ $json.email }}',
			steps: {
				step: [
					{ subject: 'Hello {{ $json.name }}', text: 'Step one', waitAmount: 0, waitUnit: 'minutes' },
					{ subject: '', text: 'Step two', waitAmount: 0, waitUnit: 'minutes' },
				],
			},
			window: openWindow,
			pacing: { minDelaySeconds: 0, maxDelaySeconds: 0 },
			messageOptions,
		}),
		nodeClasses,
		credentials,
		input: [LEAVER, STAYER].map((user) => ({ json: { email: addressOf(user), name: user } })),
	});
}

/** What the webhook workflow runs: Record Unsubscribe on the Webhook node's item. */
function record(items: Array<{ query: Record<string, unknown>; body?: Record<string, unknown> }>, secret = SECRET) {
	return runWorkflow({
		workflow: sequenceWorkflow({ operation: 'recordUnsubscribe', unsubscribeToken: '={{ $json.query.t }}', unsubscribeSecret: secret }),
		nodeClasses,
		credentials,
		input: items.map((json) => ({ json })),
	});
}

function headerValue(message: ReceivedMessage, name: string): string | undefined {
	const unfolded = message.headers.replace(/\r\n[ \t]+/g, ' ');
	return unfolded.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'im'))?.[1]?.trim();
}

/** The signed link of a received step (List-Unsubscribe's https URI). */
function linkIn(message: ReceivedMessage): URL {
	const header = headerValue(message, 'List-Unsubscribe') ?? '';
	const https = /<(https:[^>]+)>/.exec(header)?.[1];
	if (!https) throw new Error(`no https URI in List-Unsubscribe: ${header}`);
	return new URL(https);
}

let leaverLink: URL;

describe('one-click unsubscribe, signed link to stopped prospect', () => {
	it('sends each prospect its own signed link in List-Unsubscribe (one-click) and the footer, no address in it', async () => {
		const result = await send();
		expect(result.error).toBeUndefined();
		expect(result.output('SMTP Sequence').map((i) => i.json.status)).toEqual(['sent', 'sent']);
		const received = await waitForMessage(LEAVER, (m) => m.subject === `Hello ${LEAVER}`);
		const other = await waitForMessage(STAYER, (m) => m.subject === `Hello ${STAYER}`);
		leaverLink = linkIn(received);
		expect(`${leaverLink.origin}${leaverLink.pathname}`).toBe(WEBHOOK);
		expect(linkIn(other).searchParams.get('t')).not.toBe(leaverLink.searchParams.get('t'));
		expect(headerValue(received, 'List-Unsubscribe')).toMatch(new RegExp(`^<mailto:${addressOf(SENDER)}\\?subject=unsubscribe>, <https://`));
		expect(headerValue(received, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
		expect(leaverLink.href.toLowerCase()).not.toContain(LEAVER);
		expect(leaverLink.href).not.toContain(sequenceKey);
		// the text as it went out (the message itself is quoted-printable: the link is longer than a line)
		expect(result.output('SMTP Sequence')[0].json.text).toBe(`Step one\n\nNot interested?\n${leaverLink.href}`);
		expect(received.source.replace(/=\r\n/g, '').replace(/=3D/g, '=')).toContain(leaverLink.href);
	});

	it('refuses a forged, a changed and a missing token: nobody is stopped, nothing is filed', async () => {
		const token = leaverLink.searchParams.get('t') ?? '';
		const flipped = `${token.slice(0, 10)}${token[10] === 'A' ? 'B' : 'A'}${token.slice(11)}`;
		const result = await record([{ query: { t: flipped } }, { query: { t: 'not-a-token' } }, { query: {} }]);
		expect(result.error).toBeUndefined();
		expect(result.output('SMTP Sequence').map((i) => [i.json.status, i.json.refusal, i.json.httpStatus])).toEqual([
			['rejected', 'forged', 400],
			['rejected', 'malformed', 400],
			['rejected', 'missing', 400],
		]);
		const wrongSecret = await record([{ query: { t: token } }], `${SECRET}-other`);
		expect(wrongSecret.output('SMTP Sequence')[0].json).toMatchObject({ status: 'rejected', refusal: 'forged', email: null });
		expect((await readMailbox(SENDER)).filter((m) => m.subject === 'Unsubscribe')).toHaveLength(0);
	});

	it('records the one-click POST once, however often it arrives', async () => {
		const post = { query: { t: leaverLink.searchParams.get('t') }, body: { 'List-Unsubscribe': 'One-Click' } };
		const first = await record([post]);
		expect(first.error).toBeUndefined();
		expect(first.output('SMTP Sequence')[0].json).toMatchObject({ status: 'unsubscribed', email: addressOf(LEAVER), sequenceKey, httpStatus: 200 });
		const again = await record([post]);
		expect(again.output('SMTP Sequence')[0].json).toMatchObject({ status: 'alreadyUnsubscribed', email: addressOf(LEAVER) });
		const records = (await readMailbox(SENDER)).filter((m) => m.subject === 'Unsubscribe');
		expect(records).toHaveLength(1);
		expect(records[0].from).toBe(addressOf(LEAVER));
		expect(records[0].source).toContain('one-click unsubscribe of their mail program (RFC 8058)');
	});

	it('the next run sends the unsubscribed prospect nothing and the other one step 2', async () => {
		const result = await send();
		expect(result.error).toBeUndefined();
		const [leaver, stayer] = result.output('SMTP Sequence').map((i) => i.json);
		expect(leaver).toMatchObject({ email: addressOf(LEAVER), status: 'stopped', stopReason: 'unsubscribed' });
		expect(stayer).toMatchObject({ email: addressOf(STAYER), status: 'sent', step: 2 });
		await waitForMessage(STAYER, (m) => m.subject === `Re: Hello ${STAYER}`);
		expect(await readMailbox(LEAVER)).toHaveLength(1);
	});

	it('refuses a short secret and a webhook URL next to a fixed one before sending anything', async () => {
		const short = await send({ unsubscribeWebhookUrl: WEBHOOK, unsubscribeSecret: 'short' });
		expect(short.error?.message).toBe('Unsubscribe Secret is 5 characters long; it needs at least 16.');
		const both = await send({ unsubscribeWebhookUrl: WEBHOOK, unsubscribeSecret: SECRET, unsubscribeUrl: 'https://acme.test/u' });
		expect(both.error?.message).toBe('Give either One-Click Unsubscribe URL or Unsubscribe Webhook URL, not both.');
		const recordShort = await record([{ query: { t: 'x' } }], 'short');
		expect(recordShort.error?.message).toBe('Unsubscribe Secret is 5 characters long; it needs at least 16.');
	});
});
