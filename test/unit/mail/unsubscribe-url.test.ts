/**
 * Regression (issue 9): unsubscribe URLs with NUL, DEL or non-ASCII characters passed validation and broke
 * the whole List-Unsubscribe header (the mailto included). Now parsed with the WHATWG URL parser and
 * written as printable ASCII without `<`, `>` and `,`.
 */
import { MAX_UNSUBSCRIBE_URL_LENGTH, normaliseUnsubscribeUrl } from '../../../core/mail/unsubscribe-url';
import { unsubscribeHeaders } from '../../../transport/compose';

describe('regression: unsubscribe URLs with NUL, DEL or non-ASCII broke the List-Unsubscribe header', () => {
	it.each([
		['a NUL', 'https://acme.test/u?id=1\u0000x', /control character \(U\+0000\) at position 25/],
		['a DEL', 'https://acme.test/u\u007f', /control character \(U\+007F\)/],
		['a C1 control', 'https://acme.test/u\u0085', /control character \(U\+0085\)/],
		['a line break', 'https://acme.test/u\r\nBcc: x@y.test', /control character \(U\+000D\)/],
		['a space', 'https://acme.test/un subscribe', /a space at position 21/],
		['http', 'http://acme.test/u', /must be an https:\/\/ URL/],
		['a mailto', 'mailto:u@acme.test', /must be an https:\/\/ URL/],
		['credentials', 'https://user:secret@acme.test/u', /must not contain a user name or password/],
		['no URL at all', 'https://', /is not a URL/],
		['an overlong URL', `https://acme.test/${'a'.repeat(MAX_UNSUBSCRIBE_URL_LENGTH)}`, /characters long; the limit is 800/],
	])('refuses %s, saying why', (_name, url, message) => {
		expect(() => normaliseUnsubscribeUrl(url)).toThrow(message);
	});

	it.each([
		['non-ASCII host and path', 'https://bücher.test/abmelden/ä?wer=jürgen', 'https://xn--bcher-kva.test/abmelden/%C3%A4?wer=j%C3%BCrgen'],
		['angle brackets', 'https://acme.test/u?next=<script>', 'https://acme.test/u?next=%3Cscript%3E'],
		['commas', 'https://acme.test/u?ids=1,2', 'https://acme.test/u?ids=1%2C2'],
		['upper-case scheme and host', 'HTTPS://ACME.test/U', 'https://acme.test/U'],
	])('writes %s as printable ASCII without <>,', (_name, url, normal) => {
		const result = normaliseUnsubscribeUrl(url);
		expect(result).toBe(normal);
		expect(result).toMatch(/^[\x21-\x7e]+$/);
	});

	it('gives a header with both entries intact', () => {
		const header = unsubscribeHeaders({ mailto: 'me@acme.test?subject=unsubscribe', url: normaliseUnsubscribeUrl('https://bücher.test/a,b') })['List-Unsubscribe'];
		expect(header).toBe('<mailto:me@acme.test?subject=unsubscribe>, <https://xn--bcher-kva.test/a%2Cb>');
		expect(header.split(', ').map((entry) => /^<([^<>,]+)>$/.test(entry))).toEqual([true, true]);
	});
});
