import { readInbound } from '../../../core/classify/inbound';
import { sequenceMessageId } from '../../../core/mail/message-id';
import { unsubscribeRecord, unsubscribeRecordId } from '../../../core/mail/unsubscribe-record';

const input = {
	sequenceKey: 'q4-agencies-v1',
	prospect: 'jane@acme.com',
	sender: 'sam@sender.test',
	date: new Date('2026-12-02T10:00:00Z'),
	via: 'one-click' as const,
};

describe('unsubscribe record (the marker filed in INBOX)', () => {
	it('reads as an unsubscribe request from the prospect, threaded to step 1 of the sequence', async () => {
		const reading = await readInbound(unsubscribeRecord(input));
		expect(reading.classification.class).toBe('unsubscribe');
		expect(reading.facts.from?.address).toBe('jane@acme.com');
		expect(reading.facts.messageId).toBe(unsubscribeRecordId('q4-agencies-v1', 'jane@acme.com', 'sam@sender.test'));
		expect(reading.refs.refs).toEqual([expect.objectContaining({ step: 1 })]);
		expect(reading.facts.inReplyTo).toBe(sequenceMessageId('q4-agencies-v1', 'jane@acme.com', 1, 'sender.test'));
	});

	it.each(['one-click', 'link'] as const)('is classified the same when it came through %s', async (via) => {
		expect((await readInbound(unsubscribeRecord({ ...input, via }))).classification.class).toBe('unsubscribe');
	});

	it('has one Message-ID per prospect and sequence, whatever the case of the address', () => {
		const id = unsubscribeRecordId('q4', 'Jane@ACME.com', 'sam@sender.test');
		expect(id).toBe(unsubscribeRecordId('q4', 'jane@acme.com', 'sam@Sender.test'));
		expect(id).not.toBe(unsubscribeRecordId('q4', 'john@acme.com', 'sam@sender.test'));
		expect(id).not.toBe(unsubscribeRecordId('q5', 'jane@acme.com', 'sam@sender.test'));
		expect(id).toMatch(/^<unsub\.[0-9a-f]{12}\.[0-9a-f]{16}@sender\.test>$/);
		expect(id).not.toContain('jane');
	});

	it('keeps a line break in the sequence key or address out of the headers', () => {
		const raw = unsubscribeRecord({ ...input, prospect: 'jane@acme.com\r\nBcc: x@evil.test' }).toString('utf8');
		const headers = raw.slice(0, raw.indexOf('\r\n\r\n'));
		expect(headers).not.toMatch(/^Bcc:/m);
	});
});
