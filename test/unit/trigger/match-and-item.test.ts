import { readInbound, unreadReading } from '../../../core/classify/inbound';
import { parseMessage } from '../../../core/classify/parse';
import { classify } from '../../../core/classify/classify';
import { findSequenceRefs } from '../../../core/classify/refs';
import { sequenceMessageId } from '../../../core/mail/message-id';
import { decideEmit } from '../../../core/trigger/event-filter';
import { examineMessage } from '../../../core/trigger/examine-message';
import { indexSequenceKeys, isOwnSequenceMessage, matchSequence } from '../../../core/trigger/sequence-match';
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';

const key = 'q3-founders';
const prospect = 'pat@prospect.test';
const step2 = sequenceMessageId(key, prospect, 2, 'sender.test');

function raw(headers: string[], body = 'Sounds good, call me.'): Buffer {
	return Buffer.from([...headers, 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));
}

describe('resolveTriggerOptions', () => {
	it('defaults to every class but delivery reports, sequence scope, nothing extra', () => {
		const options = resolveTriggerOptions();
		expect([...options.events].sort()).toEqual(['autoReply', 'bounce', 'complaint', 'reply', 'unsubscribe']);
		expect(options).toMatchObject({ scope: 'sequence', includeBodies: false, includeAttachments: false, includeHeaders: false, sequenceKeys: [] });
	});
	it('splits sequence keys on commas and new lines and rejects unknown values', () => {
		expect(resolveTriggerOptions({ sequenceKeys: ' a, b\nc ,, a' }).sequenceKeys).toEqual(['a', 'b', 'c']);
		expect(() => resolveTriggerOptions({ events: ['replies'] })).toThrow(/Unknown event "replies"/);
		expect(() => resolveTriggerOptions({ events: [] })).toThrow(/at least one/);
		expect(() => resolveTriggerOptions({ scope: 'some' })).toThrow(/Unknown scope/);
	});
});

describe('decideEmit', () => {
	const reply = { class: 'reply', reason: 'x', confidence: 0.8, signals: [], replyText: '' } as const;
	const match = { sequenceHash: 'a', step: 1, prospectHash: 'b', prospectVerified: false };
	const table: [string, Parameters<typeof decideEmit>[0], Parameters<typeof decideEmit>[1], boolean][] = [
		['matched reply', { classification: reply, match, ownMessage: false }, resolveTriggerOptions(), true],
		['unmatched, sequence scope', { classification: reply, match: null, ownMessage: false }, resolveTriggerOptions(), false],
		['unmatched, all scope', { classification: reply, match: null, ownMessage: false }, resolveTriggerOptions({ scope: 'all' }), true],
		['own copy, all scope', { classification: reply, match, ownMessage: true }, resolveTriggerOptions({ scope: 'all' }), false],
		['class not selected', { classification: reply, match, ownMessage: false }, resolveTriggerOptions({ events: ['bounce'] }), false],
	];
	it.each(table)('%s', (_name, message, options, emit) => {
		expect(decideEmit(message, options).emit).toBe(emit);
	});
});

describe('matchSequence', () => {
	it('without the key: the sender is the prospect, unverified, colleague unknown', async () => {
		const facts = await parseMessage(raw([`From: ${prospect}`, 'To: me@sender.test', 'Subject: Re: hi', `In-Reply-To: ${step2}`]));
		const match = matchSequence(facts, classify(facts), findSequenceRefs(facts), indexSequenceKeys([]));
		expect(match).toMatchObject({ step: 2, prospectEmail: prospect, prospectVerified: false });
		expect(match?.fromColleague).toBeUndefined();
	});
	it('with the key: finds the prospect in Cc when a colleague answers', async () => {
		const facts = await parseMessage(
			raw(['From: Sam <sam@prospect.test>', 'To: me@sender.test', `Cc: "Pat" <${prospect.toUpperCase()}>`, 'Subject: Re: hi', `References: ${step2}`]),
		);
		const match = matchSequence(facts, classify(facts), findSequenceRefs(facts), indexSequenceKeys(['other', key]));
		expect(match).toMatchObject({ sequenceKey: key, prospectEmail: prospect, prospectVerified: true, fromColleague: true });
	});
	it('recognises our own outgoing copies by their Message-ID', async () => {
		const facts = await parseMessage(raw(['From: me@sender.test', `To: ${prospect}`, 'Subject: Re: hi', `Message-ID: ${step2}`]));
		expect(isOwnSequenceMessage(facts)).toBe(true);
	});
});

describe('examineMessage', () => {
	it('builds an item with flat CRM fields and the optional bodies and headers', async () => {
		const source = raw([`From: ${prospect}`, 'To: me@sender.test', 'Subject: Re: hi', 'Message-ID: <r1@prospect.test>', `In-Reply-To: ${step2}`, 'X-Thing: 1']);
		const examined = examineMessage(await readInbound(source), { folder: 'INBOX', uid: 7 }, resolveTriggerOptions({ includeBodies: true, includeHeaders: true }), indexSequenceKeys([key]));
		expect(examined.key).toBe('<r1@prospect.test>');
		expect(examined.item).toMatchObject({
			class: 'reply',
			prospectEmail: prospect,
			sequenceKey: key,
			step: 2,
			messageId: '<r1@prospect.test>',
			inReplyTo: step2,
			folder: 'INBOX',
			uid: 7,
			replyText: 'Sounds good, call me.',
		});
		expect(examined.item?.headers).toMatchObject({ 'x-thing': '1' });
		expect(String(examined.item?.text)).toContain('Sounds good');
	});
	it('emits a message read from its raw header only (not classified in time) as the prospect\'s reply', () => {
		const source = raw([`From: ${prospect}`, 'To: me@sender.test', 'Subject: Re: hi', 'Message-ID: <r2@prospect.test>', `In-Reply-To: ${step2}`]);
		const examined = examineMessage(unreadReading(source, 'time-budget'), { folder: 'INBOX', uid: 8 }, resolveTriggerOptions(), indexSequenceKeys([key]));
		expect(examined.item).toMatchObject({
			class: 'reply',
			classReason: 'fallback:time-budget',
			prospectEmail: prospect,
			prospectVerified: true,
			sequenceKey: key,
			step: 2,
			messageId: '<r2@prospect.test>',
			replyText: '',
		});
	});
	it('gives the reason when a message is not emitted', async () => {
		const examined = examineMessage(await readInbound(raw(['From: a@b.test', 'Subject: news'])), { folder: 'INBOX', uid: 1 }, resolveTriggerOptions(), indexSequenceKeys([]));
		expect(examined.decision).toEqual({ emit: false, reason: 'does not refer to an SMTP Sequence email' });
		expect(examined.item).toBeUndefined();
	});
});
