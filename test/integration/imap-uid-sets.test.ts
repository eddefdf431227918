/**
 * UID sets of any length against the real Dovecot (issue #10). On `main` before the fix the ledger sent
 * every UID set as one comma-joined list: with 14,000 copies of a sequence in Sent the FETCH line passed
 * Dovecot's 64 KB limit and every run failed with imapflow's bare "Command failed" (Dovecot: "Too long
 * argument"). Here the same 14,000-UID list goes through `searchWithin` / `fetchEach` (compact ranges,
 * bounded pieces) and succeeds; sent raw, as before, it fails with an error that names the command, the
 * folder and the server's answer.
 */
import type { ImapFlow } from 'imapflow';
import { SequenceError } from '../../core/errors';
import { MAX_UID_SET_LENGTH } from '../../core/mail/uid-set';
import { closeImap, connectImap } from '../../transport/imap-client';
import { fetchEach, searchUids, searchWithin } from '../../transport/imap-uids';
import { seedMailbox } from '../helpers/maildir-seed';
import { everydayInbound } from '../helpers/scale-mail';
import { addressOf, settingsFor } from '../helpers/mailstack';

const USER = 's12';
const MESSAGES = 300;

/** 14,000 UIDs the way the ledger had them: every third UID of a large folder (copies between other mail). */
const spreadUids = Array.from({ length: 14_000 }, (_, i) => 10_001 + 3 * i);

describe('UID sets of any length (real Dovecot)', () => {
	let client: ImapFlow;

	beforeAll(async () => {
		const me = addressOf(USER);
		const start = Date.now() - 86_400_000;
		await seedMailbox(USER, { INBOX: Array.from({ length: MESSAGES }, (_, i) => everydayInbound(i, me, new Date(start + i * 1000))) });
		client = await connectImap(settingsFor(USER));
		await client.mailboxOpen('INBOX', { readOnly: true });
	});

	afterAll(() => closeImap(client));

	it('regression: 14,000 copies as one UID list failed with a bare "Command failed"; in bounded ranges the search succeeds', async () => {
		const raw = spreadUids.join(',');
		expect(raw.length).toBeGreaterThan(64 * 1024);
		// a few real UIDs among them, so the answer is not trivially empty
		const uids = [...spreadUids, 1, 2, 3, 150, MESSAGES];
		await expect(searchWithin(client, uids, {}, 'INBOX', 'checking copies')).resolves.toEqual([1, 2, 3, 150, MESSAGES]);
	});

	it('streams a FETCH over 14,000 scattered UIDs in bounded pieces, each message once, in UID order', async () => {
		const seen: number[] = [];
		await fetchEach(client, [...spreadUids, ...Array.from({ length: MESSAGES }, (_, i) => i + 1)], { flags: true }, 'INBOX', 'reading flags', (m) => {
			seen.push(m.uid);
		});
		expect(seen).toEqual(Array.from({ length: MESSAGES }, (_, i) => i + 1));
		expect(MAX_UID_SET_LENGTH).toBeLessThan(8_192);
	});

	it('a command the server refuses says which command, in which folder, and what the server answered', async () => {
		const error = await searchUids(client, { uid: spreadUids.join(',') }, 'INBOX', 'checking copies', 100).then(
			() => undefined,
			(e: unknown) => e,
		);
		expect(error).toBeInstanceOf(SequenceError);
		const { code, message } = error as SequenceError;
		expect(code).toBe('IMAP_COMMAND_FAILED');
		expect(message).toMatch(/^The IMAP server refused checking copies in "INBOX": .*too long/i);
		expect(message).not.toMatch(/^Command failed/);
	});
});
