import { InputError } from '../../../core/errors';
import { assertHeaderSafe, isHeaderSafe } from '../../../core/mail/header-safety';

describe('assertHeaderSafe', () => {
	it.each([
		['plain text', 'Quick question about Acme'],
		['tab', 'a\tb'],
		['unicode', 'Grüße aus München — 你好'],
		['empty', ''],
	])('accepts %s', (_label, value) => {
		expect(assertHeaderSafe('Subject', value)).toBe(value);
		expect(isHeaderSafe(value)).toBe(true);
	});

	it.each([
		['CRLF + header', 'Hello\r\nBcc: victim@example.com', 'carriage return (CR)', 6],
		['bare LF', 'Hello\nBcc: x@y.z', 'line break (LF)', 6],
		['bare CR', 'Hello\rX', 'carriage return (CR)', 6],
		['NUL', 'a\u0000b', 'NUL character', 2],
		['vertical tab', 'a\u000bb', 'U+000B', 2],
		['escape', '\u001b[31m', 'U+001B', 1],
		['DEL', 'a\u007f', 'U+007F', 2],
	])('rejects %s naming the field, the character and its position', (_label, value, what, position) => {
		expect(isHeaderSafe(value)).toBe(false);
		let thrown: unknown;
		try {
			assertHeaderSafe('Subject', value);
		} catch (error) {
			thrown = error;
		}
		expect(thrown).toBeInstanceOf(InputError);
		const error = thrown as InputError;
		expect(error.code).toBe('HEADER_INJECTION');
		expect(error.message).toContain('Subject');
		expect(error.message).toContain(what);
		expect(error.message).toContain(`position ${position}`);
	});
});
