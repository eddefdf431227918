import { addressHash, digestHeaders, headerAddress } from '../../../core/sequence/inbound-candidate';
import { sequenceMessageId } from '../../../core/mail/message-id';

const step1 = sequenceMessageId('seq', 'pat@acme.test', 1, 'example.test');

describe('headers first: inbound candidates', () => {
	it('reads the sender address from the usual forms', () => {
		expect(headerAddress('"Doe, Pat" <Pat@Acme.TEST>')).toBe('pat@acme.test');
		expect(headerAddress('pat@acme.test (Pat Doe)')).toBe('pat@acme.test');
		expect(headerAddress(undefined)).toBe('');
	});

	it('a reply in the thread carries our refs', () => {
		const d = digestHeaders(`From: Pat <pat@acme.test>\r\nSubject: Re: hi\r\nIn-Reply-To: ${step1}\r\nReferences: ${step1}\r\n`);
		expect(d.from).toBe('pat@acme.test');
		expect(d.refs.map((r) => r.step)).toEqual([1, 1]);
		expect(d.reportLike).toBe(false);
	});

	it.each([
		['a null Return-Path (every DSN)', 'Return-Path: <>\r\nFrom: someone@mx.test\r\nSubject: x'],
		['multipart/report', 'From: a@b.test\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=x'],
		['a daemon sender', 'From: Mail Delivery Subsystem <mailer-daemon@googlemail.com>\r\nSubject: x'],
		['a postmaster', 'From: postmaster@acme.test\r\nSubject: x'],
		['X-Failed-Recipients', 'From: a@b.test\r\nX-Failed-Recipients: pat@acme.test'],
		['Auto-Submitted: auto-replied', 'From: pat@acme.test\r\nAuto-Submitted: auto-replied'],
		['a bounce subject (Exchange DE)', 'From: Microsoft Outlook <MicrosoftExchange329e71@acme.test>\r\nSubject: Unzustellbar: hi'],
	])('marks %s as machine-made (its body may carry our id)', (_name, block) => {
		expect(digestHeaders(block).reportLike).toBe(true);
	});

	it('everyday mail is neither threaded nor machine-made', () => {
		const d = digestHeaders('Return-Path: <news@shop.test>\r\nFrom: Shop <news@shop.test>\r\nSubject: Weekly digest\r\nContent-Type: text/html\r\nAuto-Submitted: no');
		expect(d).toEqual({ from: 'news@shop.test', refs: [], reportLike: false });
	});

	it('hashes addresses to 32 bits, the same way each time', () => {
		expect(addressHash('pat@acme.test')).toBe(addressHash('pat@acme.test'));
		expect(addressHash('pat@acme.test')).not.toBe(addressHash('pet@acme.test'));
		expect(addressHash('x'.repeat(10_000))).toBeLessThan(2 ** 32);
	});
});
