import {
	MAX_TOKEN_LENGTH,
	UNSUBSCRIBE_LINK_DAYS,
	checkUnsubscribeSecret,
	signUnsubscribeToken,
	unsubscribeLink,
	verifyUnsubscribeToken,
} from '../../../core/mail/unsubscribe-token';
import { inputErrorOf } from '../../helpers/errors';

const SECRET = 'a-long-random-secret-for-tests-0123456789';
const NOW = new Date('2026-12-02T10:30:00Z');
const DAY = 86_400_000;

describe('unsubscribe token', () => {
	it('carries sequence key and address (ledger form) and expires a year after the day it was made', () => {
		const token = signUnsubscribeToken('q4-agencies-v1', ' Jane.Doe@ACME.com ', SECRET, NOW);
		expect(verifyUnsubscribeToken(token, SECRET, NOW)).toEqual({
			ok: true,
			sequenceKey: 'q4-agencies-v1',
			address: 'jane.doe@acme.com',
			expiresAt: new Date(Date.UTC(2026, 11, 2) + UNSUBSCRIBE_LINK_DAYS * DAY),
		});
	});

	it('shows neither the address nor the key, in any form a URL could carry', () => {
		const token = signUnsubscribeToken('q4-agencies-v1', 'jane.doe@acme.com', SECRET, NOW);
		expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
		for (const clear of ['jane', 'acme', 'q4-agencies']) {
			expect(token.toLowerCase()).not.toContain(clear);
			expect(Buffer.from(token, 'base64url').toString('latin1').toLowerCase()).not.toContain(clear);
		}
	});

	it('is the same for the same prospect on the same day, and different for another prospect or sequence', () => {
		const a = signUnsubscribeToken('seq', 'a@acme.com', SECRET, NOW);
		expect(signUnsubscribeToken('seq', 'A@acme.com', SECRET, new Date(NOW.getTime() + 3600_000))).toBe(a);
		expect(signUnsubscribeToken('seq', 'b@acme.com', SECRET, NOW)).not.toBe(a);
		expect(signUnsubscribeToken('seq2', 'a@acme.com', SECRET, NOW)).not.toBe(a);
	});

	it('handles non-ASCII keys and international addresses', () => {
		const token = signUnsubscribeToken('Frühjahr-Kampagne', 'jürgen@bücher.de', SECRET, NOW);
		expect(verifyUnsubscribeToken(token, SECRET, NOW)).toMatchObject({ ok: true, sequenceKey: 'Frühjahr-Kampagne', address: 'jürgen@bücher.de' });
	});

	it('refuses every single changed bit as forged, and nothing of a changed token is read', () => {
		const token = signUnsubscribeToken('seq', 'a@acme.com', SECRET, NOW);
		const raw = Buffer.from(token, 'base64url');
		for (let bit = 0; bit < raw.length * 8; bit++) {
			const changed = Buffer.from(raw);
			changed[bit >> 3] ^= 1 << (bit & 7);
			const check = verifyUnsubscribeToken(changed.toString('base64url'), SECRET, NOW);
			expect(check).toMatchObject({ ok: false });
			expect(check.ok ? '' : check.refusal).toMatch(/^(forged|malformed)$/);
		}
	});

	it('refuses a token signed with another secret as forged', () => {
		const token = signUnsubscribeToken('seq', 'a@acme.com', `${SECRET}-other`, NOW);
		expect(verifyUnsubscribeToken(token, SECRET, NOW)).toMatchObject({ ok: false, refusal: 'forged', message: expect.stringMatching(/another secret/) });
	});

	it('refuses a token from the last day on as expired, with the date', () => {
		const token = signUnsubscribeToken('seq', 'a@acme.com', SECRET, NOW);
		const lastDay = new Date(Date.UTC(2026, 11, 2) + UNSUBSCRIBE_LINK_DAYS * DAY - 1);
		expect(verifyUnsubscribeToken(token, SECRET, lastDay)).toMatchObject({ ok: true });
		expect(verifyUnsubscribeToken(token, SECRET, new Date(lastDay.getTime() + 1))).toMatchObject({
			ok: false,
			refusal: 'expired',
			message: expect.stringContaining('2027-12-02'),
		});
	});

	it.each([
		[undefined, 'missing'],
		['', 'missing'],
		['   ', 'missing'],
		[42, 'missing'],
		['abc', 'malformed'],
		['a+b/c=', 'malformed'],
		['x'.repeat(MAX_TOKEN_LENGTH + 1), 'malformed'],
		['<script>alert(1)</script>', 'malformed'],
		['A'.repeat(40), 'forged'],
	])('refuses %j as %s', (token, refusal) => {
		expect(verifyUnsubscribeToken(token, SECRET, NOW)).toMatchObject({ ok: false, refusal });
	});

	it('asks for a secret of at least 16 characters, without showing it', () => {
		expect(checkUnsubscribeSecret('0123456789abcdef', 'Unsubscribe Secret')).toBe('0123456789abcdef');
		const short = inputErrorOf(() => checkUnsubscribeSecret('hunter2', 'Unsubscribe Secret'));
		expect(short.message).toBe('Unsubscribe Secret is 7 characters long; it needs at least 16.');
		expect(short.message).not.toContain('hunter2');
		expect(inputErrorOf(() => checkUnsubscribeSecret('', 'Unsubscribe Secret')).message).toMatch(/is empty/);
	});

	it('puts the token into the webhook URL as t, keeping the URL\'s own parameters', () => {
		expect(unsubscribeLink(new URL('https://n8n.acme.com/webhook/unsubscribe'), 'TOKEN_1-x')).toBe('https://n8n.acme.com/webhook/unsubscribe?t=TOKEN_1-x');
		expect(unsubscribeLink(new URL('https://n8n.acme.com/webhook/u?list=q4&t=old'), 'NEW')).toBe('https://n8n.acme.com/webhook/u?list=q4&t=NEW');
	});
});
