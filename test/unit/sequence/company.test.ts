import { companyKey, isFreeMailDomain } from '../../../core/sequence/company';

describe('companyKey', () => {
	it.each([
		['jane@acme.com', 'acme.com'],
		['Jane@ACME.com', 'acme.com'],
		['jane@sales.acme.com', 'acme.com'],
		['jane@acme.co.uk', 'acme.co.uk'],
		['jane@mail.acme.com.au', 'acme.com.au'],
		['jose@bücher.de', 'xn--bcher-kva.de'],
		['jane@gmail.com', null],
		['jane@googlemail.com', null],
		['jane@hotmail.co.uk', null],
		['jane@hotmail.fr', null],
		['jane@yahoo.co.jp', null],
		['jane@gmx.at', null],
		['jane@web.de', null],
		['jane@yandex.ru', null],
		['jane@proton.me', null],
		['jane@icloud.com', null],
		['no-at-sign', null],
		['jane@localhost', null],
	])('%s → %s', (address, expected) => {
		expect(companyKey(address)).toBe(expected);
	});

	it.each([
		['outlook.com', true],
		['live.de', true],
		['fastmail.com', true],
		['acme.com', false],
		['gmailer.com', false],
	])('isFreeMailDomain(%s) = %s', (domain, expected) => expect(isFreeMailDomain(domain)).toBe(expected));
});
