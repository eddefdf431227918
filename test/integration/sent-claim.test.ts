/**
 * The claim protocol behind "never twice", against the real Dovecot: of racing claims for one
 * Message-ID exactly one wins, an earlier copy always wins, a released claim leaves nothing behind.
 */
import type { ImapFlow } from 'imapflow';
import { CLAIM_KEYWORD, SENT_KEYWORD, claimStep, confirmClaim, copiesOf, releaseClaim } from '../../transport/sent-claim';
import { composeRaw } from '../../transport/compose';
import { resetMailboxes } from '../helpers/mailstack';
import { openSent } from '../helpers/sent-session';

const USER = 'u01';
let clients: ImapFlow[] = [];

const sentClient = () => openSent(USER, clients);

function raw(messageId: string) {
	return composeRaw({
		from: { name: 'U01', address: 'u01@example.test' },
		to: { name: '', address: 'bob@example.test' },
		subject: 'claim test',
		text: 'hello',
		messageId,
		date: new Date('2026-11-26T10:00:00Z'),
	});
}

beforeAll(() => resetMailboxes(USER));

afterEach(async () => {
	await Promise.all(clients.map((c) => c.logout().catch(() => undefined)));
	clients = [];
});

describe('Sent-folder claims (real Dovecot)', () => {
	it('lets exactly one of five concurrent connections win the same step, every time (20 rounds)', async () => {
		const racers = await Promise.all([1, 2, 3, 4, 5].map(() => sentClient()));
		for (let round = 0; round < 20; round++) {
			const id = `<sq.race${Date.now()}.${round}@example.test>`;
			const message = await raw(id);
			const results = await Promise.all(racers.map(({ client, sent }) => claimStep(client, sent, message, id, new Date())));
			const winners = results.filter((r) => r.won);
			expect(winners).toHaveLength(1);
			const remaining = await copiesOf(racers[0].client, id);
			expect(remaining).toEqual([winners[0].won ? winners[0].claim.uid : -1]);
		}
	});

	it('never wins against a copy an earlier run left in Sent', async () => {
		const id = `<sq.earlier${Date.now()}@example.test>`;
		const message = await raw(id);
		const { client, sent } = await sentClient();
		const first = await claimStep(client, sent, message, id, new Date());
		expect(first.won).toBe(true);
		const again = await claimStep(client, sent, message, id, new Date());
		expect(again).toEqual({ won: false, existingUids: [first.won ? first.claim.uid : -1] });
	});

	it('marks a confirmed claim with $SeqSent and removes a released one', async () => {
		const { client, sent } = await sentClient();
		const confirmedId = `<sq.confirmed${Date.now()}@example.test>`;
		const confirmed = await claimStep(client, sent, await raw(confirmedId), confirmedId, new Date());
		if (!confirmed.won) throw new Error('claim should win');
		await confirmClaim(client, confirmed.claim);
		const fetched = await client.fetchOne(String(confirmed.claim.uid), { flags: true }, { uid: true });
		const flags = [...(fetched ? (fetched.flags ?? []) : [])].filter((f) => f !== '\\Recent');
		expect(flags.sort()).toEqual([CLAIM_KEYWORD, SENT_KEYWORD, '\\Seen'].sort());

		const releasedId = `<sq.released${Date.now()}@example.test>`;
		const released = await claimStep(client, sent, await raw(releasedId), releasedId, new Date());
		if (!released.won) throw new Error('claim should win');
		await releaseClaim(client, released.claim);
		expect(await copiesOf(client, releasedId)).toEqual([]);
	});
});
