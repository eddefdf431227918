/**
 * Regression (issue 9): a `Constructor:` or `__proto__:` header made the trigger drop the message when
 * "Include Raw Headers" was on (the headers were grouped in a plain object, where those names already
 * exist), so an unsubscribe request could be lost.
 */
import { deepCopy } from 'n8n-workflow';
import { readInbound } from '../../../core/classify/inbound';
import { sequenceMessageId } from '../../../core/mail/message-id';
import { examineMessage } from '../../../core/trigger/examine-message';
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';

const ourId = sequenceMessageId('hostile-headers', 'prospect@acme.test', 1, 'example.test');

function reply(extraHeaders: string[]): Buffer {
	return Buffer.from(
		[
			'From: prospect@acme.test',
			'To: me@example.test',
			'Subject: Re: hello',
			'Message-ID: <r1@acme.test>',
			`In-Reply-To: ${ourId}`,
			...extraHeaders,
			'',
			'Please remove me from your list.',
			'',
		].join('\r\n'),
	);
}

describe('regression: a Constructor: or __proto__: header dropped the message when raw headers were on', () => {
	const options = resolveTriggerOptions({ includeHeaders: true, events: ['reply', 'unsubscribe'] });

	it.each([
		['Constructor: x', 'constructor', 'x'],
		['__proto__: {"polluted": true}', '__proto__', '{"polluted": true}'],
		['Prototype: p', 'prototype', 'p'],
	])('emits the message with "%s", the header kept as data', async (header, name, value) => {
		const examined = examineMessage(await readInbound(reply([header, 'X-Repeated: 1', 'X-Repeated: 2'])), { folder: 'INBOX', uid: 7 }, options, new Map());
		expect(examined.decision.emit).toBe(true);
		const item = examined.item;
		expect(item).toMatchObject({ class: 'unsubscribe', step: 1, subject: 'Re: hello' });
		const headers = item?.headers as Record<string, unknown>;
		expect(Object.getPrototypeOf(headers)).toBe(Object.prototype);
		expect(Object.getOwnPropertyDescriptor(headers, name)?.value).toBe(value);
		expect(headers['x-repeated']).toEqual(['1', '2']);
		expect(({} as Record<string, unknown>).polluted).toBeUndefined();
		expect(item?.rawHeaders).toContain(header);
		// what n8n does to an item: it copies it without those three keys, and keeps the rest
		const copied = deepCopy(item) as { headers: Record<string, unknown> };
		expect(copied.headers.subject).toBe('Re: hello');
		expect(Object.getPrototypeOf(copied.headers)).toBe(Object.prototype);
	});
});
