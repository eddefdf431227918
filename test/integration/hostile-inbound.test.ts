/**
 * Regression (issue #9, Medium): one malformed reply stopped every prospect on every run — the ledger
 * reader parsed inbound mail without catching, so a reply with more than 1,000 MIME parts or a
 * ~300 KiB References header made the whole run fail. Now the ledger reads mail through the trigger's
 * budgeted entry point: such a reply stops its own prospect (as a reply) and the run goes on, and so
 * does a reply that cannot be classified in time. Real Postfix + Dovecot; users u126–u130.
 */
import * as inboundReader from '../../transport/inbound-reader';
import { sequenceMessageId } from '../../core/mail/message-id';
import { HOSTILE_KINDS, Random, UNRULY_BUDGET_MS } from '../helpers/hostile-mail';
import { addressOf, resetMailboxes, stack } from '../helpers/mailstack';
import { runAt, sequenceRequest, waitForMessage, type TestStep } from '../helpers/sequence';
import { appendTo } from './trigger/trigger-fixtures';

/** A Monday three weeks ago, 09:00 UTC (replies appended now are later than the simulated sends). */
const MONDAY = (() => {
	const d = new Date(Date.now() - 21 * 24 * 60 * 60 * 1000);
	d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
	d.setUTCHours(9, 0, 0, 0);
	return d;
})();
const days = (n: number) => new Date(MONDAY.getTime() + n * 24 * 60 * 60 * 1000);

const steps: TestStep[] = [
	{ subject: 'Quick question', text: 'Hi {{ name }}, are you the right person?' },
	{ subject: '', text: 'Bumping this, {{ name }}.', wait: { amount: 2, unit: 'days' } },
];

/** The body of a hostile kind, with its sender and threading replaced by the prospect's. */
function hostileReply(kind: string, bytes: number, from: string, inReplyTo: string | null, marker = ''): string {
	const made = HOSTILE_KINDS.find((k) => k.name === kind)?.make(bytes, new Random(1));
	if (typeof made !== 'string') throw new Error(`no text kind ${kind}`);
	return made
		.replace(/^From: .*$/m, `From: ${from}`)
		.replace(/^In-Reply-To: .*\r\n/m, inReplyTo ? `In-Reply-To: ${inReplyTo}\r\n` : '')
		.replace(/^References: <sq\.[^\r\n]*\r\n/m, '')
		.replace(/^Message-ID: .*$/m, `Message-ID: <${kind}.${Date.now()}@prospect.example>`)
		.replace(/^Subject: .*$/m, `Subject: Re: Quick question ${marker}`)
		// after the simulated sends: a reply matched by its sender only counts if it came after the step
		.replace(/^Date: .*$/m, `Date: ${new Date().toUTCString()}`);
}

beforeAll(() => resetMailboxes('u126', 'u127', 'u128', 'u129', 'u130'));
afterEach(() => jest.restoreAllMocks());

describe('hostile replies in the ledger (real Postfix + Dovecot)', () => {
	it('a reply with 1,200 MIME parts, one with a 300 KiB References header and one not read in time each stop their own prospect; the run goes on', async () => {
		const key = `hostile-${Date.now().toString(36)}`;
		const [parts, references, slow, quiet] = ['u127', 'u128', 'u130', 'u129'].map(addressOf);
		const request = sequenceRequest({ sender: 'u126', sequenceKey: key, steps, prospects: [parts, references, slow, quiet].map((email) => ({ email, name: 'P' })) });

		const run1 = await runAt(request, MONDAY);
		expect(run1.map((r) => [r.status, r.step])).toEqual([['sent', 1], ['sent', 1], ['sent', 1], ['sent', 1]]);
		await waitForMessage('u129', (m) => m.messageId === sequenceMessageId(key, quiet, 1, stack.domain));

		// IMAP APPEND, as a receiving MTA without Postfix's 100 KiB header limit would deliver them
		await appendTo('u126', 'INBOX', hostileReply('many-parts', 1200 * 34, parts, sequenceMessageId(key, parts, 1, stack.domain)));
		await appendTo('u126', 'INBOX', hostileReply('huge-references', 300 * 1024, references, sequenceMessageId(key, references, 1, stack.domain)));
		// breaks the thread: only its sender's address ties it to the prospect
		await appendTo('u126', 'INBOX', hostileReply('reply-space-lines', 4096, slow, null, 'SPIN'));

		// a classification worker that never finishes a message containing "SPIN" (an unknown slow path)
		const reader = new inboundReader.InboundReader({ budgetMs: UNRULY_BUDGET_MS, workerEntry: require.resolve('../helpers/unruly-classify-worker.ts') });
		jest.spyOn(inboundReader, 'sharedInboundReader').mockReturnValue(reader);
		try {
			const run2 = await runAt(request, days(3));
			expect(run2.map((r) => [r.email, r.status, r.stopReason ?? r.step])).toEqual([
				[parts, 'stopped', 'replied'],
				[references, 'stopped', 'replied'],
				[slow, 'stopped', 'replied'],
				[quiet, 'sent', 2],
			]);
		} finally {
			await reader.close();
		}
	}, 120_000);
});
