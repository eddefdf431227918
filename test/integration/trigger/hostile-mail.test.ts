/**
 * Regression (issue #9): hostile mail in the watched inbox. A reply mailparser refuses (more than 1,000
 * MIME parts) was skipped by the trigger; a message that takes long to classify blocked n8n. Now both are
 * emitted — classified, or answered from the raw header as a reply when its time budget runs out — and
 * the message after them is emitted as usual. Real Dovecot; users u131–u132.
 */
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import { InboundReader } from '../../../transport/inbound-reader';
import { ReplyTriggerEngine } from '../../../transport/reply-trigger-engine';
import { HOSTILE_KINDS, Random, UNRULY_BUDGET_MS } from '../../helpers/hostile-mail';
import { addressOf, resetMailboxes, settingsFor } from '../../helpers/mailstack';
import { appendTo, Collector, MemoryStore, ourId, replyRaw, uniqueTag } from './trigger-fixtures';

jest.setTimeout(60_000);

beforeAll(() => resetMailboxes('u131', 'u132'));

describe('the trigger on hostile mail (real Dovecot)', () => {
	it('emits a 1,200-part reply classified and a reply not read in time as the prospect\'s reply, then the next reply as usual', async () => {
		const user = 'u131';
		const me = addressOf(user);
		const tag = uniqueTag();
		const key = `hostile-${tag}`;
		const prospect = 'prospect@example.test';
		const step1 = ourId(key, prospect, 1);
		// a classification worker that never finishes a message containing "SPIN" (an unknown slow path)
		const reader = new InboundReader({ budgetMs: UNRULY_BUDGET_MS, workerEntry: require.resolve('../../helpers/unruly-classify-worker.ts') });
		const collector = new Collector();
		const engine = new ReplyTriggerEngine({
			settings: settingsFor(user),
			folders: ['INBOX'],
			options: resolveTriggerOptions({ sequenceKeys: key }),
			store: new MemoryStore(),
			emit: collector.emit,
			onFatal: (error) => {
				throw error;
			},
			reader,
		});
		await engine.start();
		try {
			const manyParts = HOSTILE_KINDS.find((k) => k.name === 'many-parts')?.make(1200 * 34, new Random(1)) as string;
			await appendTo(user, 'INBOX', manyParts.replace(/^From: .*$/m, `From: ${prospect}`).replace(/^In-Reply-To: .*$/m, `In-Reply-To: ${step1}`).replace(/^Subject: .*$/m, `Subject: Re: parts ${tag}`));
			await appendTo(user, 'INBOX', replyRaw({ from: `Pat <${prospect}>`, to: me, subject: `Re: slow ${tag}`, inReplyTo: step1, body: 'SPIN' }));
			await appendTo(user, 'INBOX', replyRaw({ from: prospect, to: me, subject: `Re: after ${tag}`, inReplyTo: step1, body: 'Sounds good.' }));
			await collector.waitFor(() => collector.tagged(tag).length >= 3, 45_000);
			expect(collector.tagged(tag).map((item) => [item.json.subject, item.json.class, item.json.classReason, item.json.prospectEmail, item.json.step])).toEqual([
				[`Re: parts ${tag}`, 'reply', 'default:human', prospect, 1],
				[`Re: slow ${tag}`, 'reply', 'fallback:time-budget', prospect, 1],
				[`Re: after ${tag}`, 'reply', 'default:human', prospect, 1],
			]);
			expect(collector.tagged(tag)[1].json).toMatchObject({ sequenceKey: key, prospectVerified: true, fromName: 'Pat', replyText: '' });
		} finally {
			await engine.stop();
			await reader.close();
		}
	});
});
