import { formatMailbox, parseAddress, parseMailbox } from '../../../core/mail/address';
import { inputErrorOf } from '../../helpers/errors';

describe('parseAddress', () => {
	it.each([
		['jane@acme.com', 'jane@acme.com', 'acme.com', 'acme.com'],
		['  Jane.Doe@ACME.Com ', 'Jane.Doe@acme.com', 'acme.com', 'acme.com'],
		['jose@bücher.de', 'jose@xn--bcher-kva.de', 'xn--bcher-kva.de', 'bücher.de'],
		['info@xn--bcher-kva.de', 'info@xn--bcher-kva.de', 'xn--bcher-kva.de', 'bücher.de'],
		["o'brien+tag@sub.example.co.uk", "o'brien+tag@sub.example.co.uk", 'sub.example.co.uk', 'sub.example.co.uk'],
		['alice@example.test', 'alice@example.test', 'example.test', 'example.test'],
	])('accepts %j', (input, address, domain, unicodeDomain) => {
		expect(parseAddress(input, 'Email')).toMatchObject({ address, domain, unicodeDomain });
	});

	it.each([
		['', 'INVALID_ADDRESS', 'empty'],
		['   ', 'INVALID_ADDRESS', 'empty'],
		['jane.acme.com', 'INVALID_ADDRESS', 'no @'],
		['jane doe@acme.com', 'INVALID_ADDRESS', 'space'],
		['jane@@acme.com', 'INVALID_ADDRESS', 'more than one @'],
		['a@b@acme.com', 'INVALID_ADDRESS', 'more than one @'],
		['Jane <jane@acme.com>', 'INVALID_ADDRESS', 'not "Name <address>"'],
		['<jane@acme.com>', 'INVALID_ADDRESS', 'not "Name <address>"'],
		['@acme.com', 'INVALID_ADDRESS', 'nothing before the @'],
		['jane@', 'INVALID_ADDRESS', 'nothing after the @'],
		['jane@acme', 'INVALID_ADDRESS', 'no top-level domain'],
		['jane@acme..com', 'INVALID_ADDRESS', 'two dots'],
		['jane@-acme.com', 'INVALID_ADDRESS', 'not a valid domain'],
		['jane@acme_corp.com', 'INVALID_ADDRESS', 'not a valid domain'],
		['jane@acme.com.', 'INVALID_ADDRESS', 'ends with a dot'],
		['jane@1.2.3.4', 'INVALID_ADDRESS', 'cannot be a number'],
		['jane@[192.0.2.1]', 'INVALID_ADDRESS', 'IP address literals'],
		['.jane@acme.com', 'INVALID_ADDRESS', 'dot'],
		['ja..ne@acme.com', 'INVALID_ADDRESS', 'dot'],
		['"jane doe"@acme.com', 'INVALID_ADDRESS', 'space'],
		['"jane"@acme.com', 'INVALID_ADDRESS', 'quoted'],
		['ja(ne@acme.com', 'INVALID_ADDRESS', '"("'],
		['josé@bücher.de', 'INVALID_ADDRESS', 'needs SMTPUTF8, which this node does not use'],
		[`${'a'.repeat(65)}@acme.com`, 'INVALID_ADDRESS', 'longer than 64'],
		[`a@${'b'.repeat(64)}.com`, 'INVALID_ADDRESS', 'longer than 63'],
		['jane@acme.com\r\nBcc: x@y.z', 'HEADER_INJECTION', 'Prospect email'],
		['jane@acme.com\n', 'HEADER_INJECTION', 'line break'],
	])('rejects %j with %s', (input, code, message) => {
		const error = inputErrorOf(() => parseAddress(input, 'Prospect email'));
		expect(error.code).toBe(code);
		expect(error.message).toContain(message);
	});

	it('names the field and repeats the input in the message', () => {
		expect(inputErrorOf(() => parseAddress('nope', 'Prospect email')).message).toBe(
			'Prospect email "nope" is not a valid email address: it has no @',
		);
	});
});

describe('parseMailbox', () => {
	it.each([
		['jane@acme.com', '', 'jane@acme.com'],
		['Jane Doe <jane@acme.com>', 'Jane Doe', 'jane@acme.com'],
		['"Doe, Jane" <jane@Bücher.de>', 'Doe, Jane', 'jane@xn--bcher-kva.de'],
		['  Jane   Doe   <jane@acme.com>  ', 'Jane Doe', 'jane@acme.com'],
		['<jane@acme.com>', '', 'jane@acme.com'],
	])('reads %j', (input, name, address) => {
		expect(parseMailbox(input, 'From')).toMatchObject({ name, address });
	});

	it('rejects CR/LF in the name part', () => {
		expect(inputErrorOf(() => parseMailbox('Jane\r\nBcc: x@y.z <jane@acme.com>', 'From')).code).toBe('HEADER_INJECTION');
	});
});

describe('formatMailbox', () => {
	it.each([
		['Jane Doe', { name: 'Jane Doe', address: 'jane@acme.com' }],
		['  Jane \t Doe ', { name: 'Jane Doe', address: 'jane@acme.com' }],
		[undefined, { name: '', address: 'jane@acme.com' }],
		[null, { name: '', address: 'jane@acme.com' }],
		['Müller, "Jürgen"', { name: 'Müller, "Jürgen"', address: 'jane@acme.com' }],
	])('formats %j', (name, expected) => {
		expect(formatMailbox(name, 'jane@acme.com')).toEqual(expected);
	});

	it.each(['Jane\r\nBcc: x@y.z', 'Jane\nDoe'])('rejects a name with a line break: %j', (name) => {
		expect(inputErrorOf(() => formatMailbox(name, 'jane@acme.com')).code).toBe('HEADER_INJECTION');
	});
});
