import { InputError } from '../../../core/errors';
import { sequenceMessageId } from '../../../core/mail/message-id';
import { replySubject, threadHeaders } from '../../../core/mail/threading';

const id = (step: number): string => sequenceMessageId('q3-outreach', 'jane@acme.com', step, 'sender.example');

describe('threadHeaders', () => {
	it.each([
		['first step', [], {}],
		['second step', [id(1)], { inReplyTo: id(1), references: [id(1)] }],
		['third step', [id(1), id(2)], { inReplyTo: id(2), references: [id(1), id(2)] }],
		['fourth step', [id(1), id(2), id(3)], { inReplyTo: id(3), references: [id(1), id(2), id(3)] }],
		['duplicate copies in Sent', [id(1), id(1), id(2)], { inReplyTo: id(2), references: [id(1), id(2)] }],
		['ids without brackets', ['a@b.c', '<d@e.f>'], { inReplyTo: '<d@e.f>', references: ['<a@b.c>', '<d@e.f>'] }],
	])('%s', (_label, previous, expected) => {
		expect(threadHeaders(previous)).toEqual(expected);
	});

	it.each([
		['no @', 'not-an-id', 'INVALID_PARAMETER'],
		['header injection', '<a@b.c>\r\nBcc: x@y.z', 'HEADER_INJECTION'],
	])('rejects %s', (_label, bad, code) => {
		expect(() => threadHeaders([bad])).toThrow(InputError);
		try {
			threadHeaders([bad]);
		} catch (error) {
			expect((error as InputError).code).toBe(code);
		}
	});
});

describe('replySubject', () => {
	it.each([
		['Quick question', 'Re: Quick question'],
		['  Quick question  ', 'Re: Quick question'],
		['Re: Quick question', 'Re: Quick question'],
		['RE: Quick question', 'RE: Quick question'],
		['re:Quick question', 're:Quick question'],
		['Aw: Angebot', 'Aw: Angebot'],
		['AW: Angebot', 'AW: Angebot'],
		['Sv: Tilbud', 'Sv: Tilbud'],
		['Re[2]: Quick question', 'Re[2]: Quick question'],
		['Regarding your site', 'Re: Regarding your site'],
		['Reply needed', 'Re: Reply needed'],
		['Fwd: deck', 'Re: Fwd: deck'],
	])('%j → %j', (first, expected) => {
		expect(replySubject(first)).toBe(expected);
	});

	it('rejects an empty first subject', () => {
		expect(() => replySubject('  ')).toThrow(expect.objectContaining({ code: 'EMPTY_FIELD' }));
	});
});
