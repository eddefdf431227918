/**
 * The scanners that replaced backtracking patterns (issue #9) read mail the way the patterns did: table
 * tests of the address finder, the HTML-to-text converter, Content-Type parameters, MIME decoding and
 * the SES JSON reader. Their speed on hostile input is checked by `npm run fuzz:inbound` and by
 * `hostile-mail.test.ts` (through the budgeted entry point).
 */
import { findAddresses, findLooseAddresses } from '../../../core/classify/address-scan';
import { classify } from '../../../core/classify/classify';
import { htmlToText } from '../../../core/classify/html-text';
import { parseContentType, walkMime } from '../../../core/classify/mime';
import { readSesNotification } from '../../../core/classify/ses-notification';

describe('findAddresses', () => {
	it.each([
		['Recipient: <kijitora@example.jp>', ['kijitora@example.jp']],
		['RCPT TO:<a.b+c@mx.example.co.jp>:', ['a.b+c@mx.example.co.jp']],
		['x@example.com. Next sentence', ['x@example.com']],
		['a@b.com, c@d.org;e@f.net', ['a@b.com', 'c@d.org', 'e@f.net']],
		['user@localhost is not an address here', []],
		['a@b.com@c.org', ['a@b.com']],
		['two dots a@b..com', []],
		['@example.com and x@', []],
		["o'hara@example.ie", ["o'hara@example.ie"]],
	])('%j → %j', (text, expected) => {
		expect(findAddresses(text).map((span) => span.address)).toEqual(expected);
	});

	it('gives where each address starts and ends', () => {
		expect(findAddresses('to <x@y.example>')).toEqual([{ address: 'x@y.example', start: 4, end: 15 }]);
	});

	it('keeps the last 64 characters of an over-long local part (RFC 5321 limit)', () => {
		const [span] = findAddresses(`${'a'.repeat(100)}@example.com`);
		expect(span.address).toBe(`${'a'.repeat(64)}@example.com`);
	});

	it('returns at most the limit', () => {
		const text = Array.from({ length: 50 }, (_, i) => `u${i}@example.com`).join(' ');
		expect(findAddresses(text, 10)).toHaveLength(10);
	});

	it('reads loosely written addresses (dotless and non-ASCII domains) in header values', () => {
		expect(findLooseAddresses('"Kiji" <kijitora@localhost>, tora@例え.jp; x@')).toEqual(['kijitora@localhost', 'tora@例え.jp']);
	});
});

describe('htmlToText', () => {
	it.each([
		['block elements and <br> become line breaks', '<div>One</div><div>Two<br>Three</div><p>Four</p>', 'One\n\nTwo\nThree\n\nFour'],
		['head, style, script and comments are dropped', '<head><title>T</title><style>p{}</style></head><!-- c > d --><p>Hi</p><script>x()</script>', 'Hi'],
		['entities are decoded, unknown names kept', 'a &amp; b &lt;3&gt; &#233;&#x27; &bogus; &constructor;', "a & b <3> é' &bogus; &constructor;"],
		['a "<" without ">" is text', 'a < b and c', 'a < b and c'],
		['a horizontal rule is a line', 'Hi<hr>From: x', 'Hi\n________________________________\nFrom: x'],
		['upper-case tags', '<DIV>Ja</DIV><BR/>Nee', 'Ja\n\nNee'],
	])('%s', (_case, html, expected) => {
		expect(htmlToText(html)).toBe(expected);
	});

	it.each([
		['Gmail', '<div>Yes.</div><div class="gmail_quote">On Mon … wrote:<blockquote>old</blockquote></div>'],
		['Outlook', '<p>Yes.</p><div id="divRplyFwdMsg" dir="ltr"><b>From:</b> x</div>'],
		['Thunderbird', '<p>Yes.</p><div class=moz-cite-prefix>On … wrote:</div>'],
		['Apple Mail', '<div>Yes.</div><blockquote type="cite">old</blockquote>'],
		['Yahoo', "<div>Yes.</div><div class='yahoo_quoted'>old</div>"],
	])('cuts the %s quote container', (_client, html) => {
		expect(htmlToText(html)).toBe('Yes.');
		expect(htmlToText(html, false)).not.toBe('Yes.');
	});

	it('does not take another attribute ending in "class" for the class', () => {
		expect(htmlToText('<div data-class="gmail_quote">Still mine</div>')).toBe('Still mine');
	});
});

describe('parseContentType', () => {
	it.each([
		['multipart/report; report-type=delivery-status; boundary="b;1"', 'multipart/report', { 'report-type': 'delivery-status', boundary: 'b;1' }],
		['Multipart/Mixed;\tBoundary = "a \\"q\\" b"', 'multipart/mixed', { boundary: 'a "q" b' }],
		['text/plain; charset=UTF-8 format=flowed', 'text/plain', { charset: 'UTF-8', format: 'flowed' }],
		['', 'text/plain', {}],
	])('%j', (value, type, params) => {
		expect(parseContentType(value)).toEqual({ type, params });
	});

	it('does not let a "__proto__" parameter replace the prototype', () => {
		const { params } = parseContentType('text/plain; __proto__=x; charset=utf-8');
		expect(Object.getPrototypeOf(params)).toBe(Object.prototype);
		expect(params).toEqual({ charset: 'utf-8' });
	});
});

describe('walkMime decoding', () => {
	const message = (type: string, encoding: string, body: string): string =>
		`Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: ${type}\nContent-Transfer-Encoding: ${encoding}\n\n${body}\n--b--\n`;

	it('decodes quoted-printable with soft line breaks in the declared charset', () => {
		const parts = walkMime(message('text/plain; charset=utf-8', 'quoted-printable', 'caf=C3=A9 au =\nlait =3D ok=ZZ'));
		expect(parts[1].body).toBe('café au lait = ok=ZZ');
	});

	it('decodes base64', () => {
		const parts = walkMime(message('text/plain', 'base64', Buffer.from('Hallo Welt').toString('base64')));
		expect(parts[1].body).toBe('Hallo Welt');
	});

	it('keeps no body for parts the classifier does not read', () => {
		const parts = walkMime(message('image/png', 'base64', Buffer.from('not read').toString('base64')));
		expect(parts[1]).toMatchObject({ contentType: 'image/png', body: '' });
	});

	it('decodes the first 64 KiB of a long text part', () => {
		const parts = walkMime(message('text/plain', '7bit', 'x'.repeat(200 * 1024)));
		expect(parts[1].body).toHaveLength(64 * 1024);
	});
});

describe('readSesNotification', () => {
	const notification = JSON.stringify({
		notificationType: 'Bounce',
		bounce: { bounceType: 'Permanent', bouncedRecipients: [{ emailAddress: 'X@Example.com', status: '5.1.1', diagnosticCode: 'smtp; 550 {user} unknown}' }] },
	});

	it('reads the JSON object up to its own closing brace, braces inside strings included', () => {
		expect(readSesNotification(`${notification}\n}}} trailing text }`)).toEqual({
			type: 'Bounce',
			bounceType: 'Permanent',
			feedbackType: undefined,
			recipients: [{ address: 'x@example.com', status: '5.1.1', action: undefined, diagnostic: 'smtp; 550 {user} unknown}' }],
		});
	});

	it('gives up on an object that never closes', () => {
		expect(readSesNotification(notification.slice(0, -1))).toBeUndefined();
	});
});

describe('bounce prose with several failed recipients', () => {
	it('gives each recipient the lines about it, and the paragraph above the list', () => {
		const raw = [
			'From: MAILER-DAEMON@mx.example.org',
			'To: me@sender.example',
			'Subject: Undelivered Mail Returned to Sender',
			'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
			'',
			'--b',
			'Content-Type: text/plain',
			'',
			'Delivery failed for these recipients.',
			'',
			'',
			'The accounts below could not be reached:',
			'a@example.org: 550 5.1.1 User unknown',
			'b@example.org: 552 5.2.2 Mailbox full',
			'--b',
			'Content-Type: message/delivery-status',
			'',
			'Final-Recipient: rfc822; a@example.org',
			'Action: failed',
			'Status: 5.0.0',
			'',
			'Final-Recipient: rfc822; b@example.org',
			'Action: failed',
			'Status: 5.0.0',
			'--b--',
		].join('\n');
		const facts = {
			headers: [],
			rawHeaders: '',
			references: [],
			subject: 'Undelivered Mail Returned to Sender',
			from: { address: 'mailer-daemon@mx.example.org', name: '' },
			to: [{ address: 'me@sender.example', name: '' }],
			contentType: 'multipart/report',
			text: 'Delivery failed for these recipients.\n\n\nThe accounts below could not be reached:\na@example.org: 550 5.1.1 User unknown\nb@example.org: 552 5.2.2 Mailbox full\n',
			parts: walkMime(raw),
		};
		const result = classify(facts);
		expect(result).toMatchObject({
			class: 'bounce',
			recipients: [
				{ address: 'a@example.org', status: '5.1.1', reason: 'userunknown' },
				{ address: 'b@example.org', status: '5.2.2', reason: 'mailboxfull' },
			],
		});
		if (result.class !== 'bounce') throw new Error('not a bounce');
		expect(result.recipients[0].diagnostic).toContain('The accounts below could not be reached');
		expect(result.recipients[0].diagnostic).not.toContain('Mailbox full');
	});
});
