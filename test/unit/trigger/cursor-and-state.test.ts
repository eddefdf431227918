import { DEFAULT_BACKOFF, backoffDelay, shouldGiveUp } from '../../../core/trigger/backoff';
import { advanceCursor, finishResync, newUids, planResume, RESYNC_MARGIN_MS } from '../../../core/trigger/cursor';
import { SeenKeys, hashMessageKey, messageKey } from '../../../core/trigger/seen-keys';
import { readTriggerState, recordSetAside, emptyTriggerState, SET_ASIDE_LISTED } from '../../../core/trigger/trigger-state';

const now = new Date('2025-03-10T12:00:00Z');

describe('planResume', () => {
	it('starts at UIDNEXT on first activation, so nothing old is emitted', () => {
		expect(planResume(undefined, { uidValidity: '7', uidNext: 50_001 }, now)).toEqual({
			kind: 'start',
			cursor: { uidValidity: '7', lastUid: 50_000, savedAt: now.toISOString() },
		});
	});
	it('resumes from the saved UID when UIDVALIDITY is unchanged', () => {
		const saved = { uidValidity: '7', lastUid: 120, savedAt: '2025-03-01T00:00:00Z' };
		expect(planResume(saved, { uidValidity: '7', uidNext: 200 }, now)).toEqual({ kind: 'resume', cursor: saved });
	});
	it('re-syncs from a margin before the last save when UIDVALIDITY changed', () => {
		const saved = { uidValidity: '7', lastUid: 120, savedAt: '2025-03-09T08:00:00Z' };
		const plan = planResume(saved, { uidValidity: '8', uidNext: 5 }, now);
		expect(plan.kind).toBe('resync');
		if (plan.kind !== 'resync') return;
		expect(plan.from.getTime()).toBe(Date.parse(saved.savedAt) - RESYNC_MARGIN_MS);
		expect(plan.endUid).toBe(4);
		expect(plan.cursor).toEqual({ uidValidity: '8', lastUid: 0, savedAt: now.toISOString(), resyncFrom: plan.from.toISOString() });
	});
	it('never re-reads mail older than what the dedupe list has forgotten', () => {
		const saved = { uidValidity: '7', lastUid: 120, savedAt: '2025-03-09T08:00:00Z' };
		const forgotten = new Date('2025-03-09T07:59:00Z');
		const plan = planResume(saved, { uidValidity: '8', uidNext: 5 }, now, forgotten);
		expect(plan.kind === 'resync' && plan.from).toEqual(forgotten);
		const older = planResume(saved, { uidValidity: '8', uidNext: 5 }, now, new Date('2025-01-01T00:00:00Z'));
		expect(older.kind === 'resync' && older.from.getTime()).toBe(Date.parse(saved.savedAt) - RESYNC_MARGIN_MS);
	});
	it('continues an interrupted re-sync, and one interrupted by a second change keeps its start', () => {
		const midway = { uidValidity: '8', lastUid: 40, savedAt: '2025-03-10T11:00:00Z', resyncFrom: '2025-03-01T00:00:00.000Z' };
		expect(planResume(midway, { uidValidity: '8', uidNext: 90 }, now)).toEqual({ kind: 'resync', from: new Date(midway.resyncFrom), endUid: 89, cursor: midway });
		const again = planResume(midway, { uidValidity: '9', uidNext: 90 }, now);
		expect(again.kind === 'resync' && again.from.toISOString()).toBe(midway.resyncFrom);
		expect(again.cursor.lastUid).toBe(0);
	});
});

describe('finishResync', () => {
	it('moves the cursor to the UIDNEXT the re-sync started from and ends the re-sync', () => {
		const midway = { uidValidity: '8', lastUid: 40, savedAt: '2025-03-10T11:00:00Z', resyncFrom: '2025-03-01T00:00:00.000Z' };
		expect(finishResync(midway, 89, now)).toEqual({ uidValidity: '8', lastUid: 89, savedAt: now.toISOString() });
		expect(finishResync(midway, 12, now).lastUid).toBe(40);
	});
});

describe('cursor arithmetic', () => {
	const cursor = { uidValidity: '1', lastUid: 10, savedAt: now.toISOString() };
	it('keeps only UIDs above the cursor (N:* also returns the highest UID below N), sorted and unique', () => {
		expect(newUids([10], cursor)).toEqual([]);
		expect(newUids([13, 11, 11, 9], cursor)).toEqual([11, 13]);
	});
	it('never moves back, and keeps a re-sync under way', () => {
		expect(advanceCursor(cursor, 4, now).lastUid).toBe(10);
		expect(advanceCursor(cursor, 12, now).lastUid).toBe(12);
		expect(advanceCursor({ ...cursor, resyncFrom: '2025-03-01T00:00:00.000Z' }, 12, now).resyncFrom).toBe('2025-03-01T00:00:00.000Z');
	});
});

describe('readTriggerState', () => {
	it('keeps valid cursors and entries and drops anything unreadable', () => {
		const state = readTriggerState({
			folders: { INBOX: { uidValidity: '3', lastUid: 9, savedAt: 'x', resyncFrom: 'never' }, Junk: { uidValidity: 3, lastUid: 1 }, Bad: { uidValidity: '3', lastUid: -1 } },
			seen: [['k1', 'INBOX', 1700000000], ['k2', 'INBOX'], 4],
			forgotten: { INBOX: 1690000000, Junk: 'x' },
			setAside: [{ folder: 'INBOX', uid: 3, reason: 'r' }, { uid: 4 }],
			setAsideCount: 5,
		});
		expect(state.folders).toEqual({ INBOX: { uidValidity: '3', lastUid: 9, savedAt: 'x' } });
		expect(state.seen).toEqual([['k1', 'INBOX', 1700000000]]);
		expect(state.forgotten).toEqual({ INBOX: 1690000000 });
		expect(state.setAside).toEqual([{ folder: 'INBOX', uid: 3, reason: 'r' }]);
		expect(state.setAsideCount).toBe(5);
		expect(readTriggerState(undefined)).toEqual(emptyTriggerState());
	});
	it('reads the bare keys a version-1 state kept, so they still stop duplicates', () => {
		const state = readTriggerState({ version: 1, folders: {}, seen: ['<a@b>'] });
		expect(state.seen).toEqual([[hashMessageKey('<a@b>'), '', 0]]);
		expect(new SeenKeys(state.seen, state.forgotten).has('<a@b>')).toBe(true);
	});
});

describe('recordSetAside', () => {
	it('lists up to SET_ASIDE_LISTED messages and counts them all', () => {
		let state = emptyTriggerState();
		for (let uid = 1; uid <= SET_ASIDE_LISTED + 5; uid++) state = recordSetAside(state, { folder: 'INBOX', uid, reason: 'r' });
		expect(state.setAside).toHaveLength(SET_ASIDE_LISTED);
		expect(state.setAside[0].uid).toBe(1);
		expect(state.setAsideCount).toBe(SET_ASIDE_LISTED + 5);
	});
});

describe('SeenKeys', () => {
	const at = (iso: string) => new Date(iso);
	it('forgets the oldest keys beyond its limit and refreshes re-added ones', () => {
		const seen = new SeenKeys([], {}, 3);
		seen.add('a', 'INBOX', at('2025-03-01T00:00:00Z'));
		seen.add('b', 'INBOX', at('2025-03-01T00:00:01Z'));
		seen.add('a', 'INBOX', at('2025-03-01T00:00:00Z'));
		seen.add('c', 'INBOX', at('2025-03-01T00:00:02Z'));
		seen.add('d', 'INBOX', at('2025-03-01T00:00:03Z'));
		expect(['a', 'b', 'c', 'd'].filter((k) => seen.has(k))).toEqual(['a', 'c', 'd']);
		expect(seen.toArray().map(([hash]) => hash)).toEqual(['a', 'c', 'd'].map(hashMessageKey));
	});
	it('marks, per folder, the newest arrival among what it forgot: everything later of that folder is still known', () => {
		const seen = new SeenKeys([], {}, 2);
		seen.add('j1', 'Junk', at('2025-03-01T10:00:00Z'));
		seen.add('i1', 'INBOX', at('2025-03-01T09:00:00Z'));
		seen.add('i2', 'INBOX', at('2025-03-01T11:00:00Z'));
		expect(seen.forgottenUpTo('Junk')).toEqual(at('2025-03-01T10:00:00Z'));
		expect(seen.forgottenUpTo('INBOX')).toBeUndefined();
		seen.add('i3', 'INBOX', at('2025-03-01T12:00:00Z'));
		seen.add('i4', 'INBOX', at('2025-03-01T10:30:00Z'));
		expect(seen.forgottenUpTo('INBOX')).toEqual(at('2025-03-01T11:00:00Z'));
		// survives a save
		const again = new SeenKeys(seen.toArray(), seen.forgotten(), 2);
		expect(again.forgottenUpTo('INBOX')).toEqual(at('2025-03-01T11:00:00Z'));
		expect(again.has('i4')).toBe(true);
	});
	it('never moves a mark for an entry without folder or date', () => {
		const seen = new SeenKeys([[hashMessageKey('old'), '', 0]], {}, 1);
		seen.add('new', 'INBOX', undefined);
		seen.add('newer', 'INBOX', at('2025-03-01T00:00:00Z'));
		expect(seen.forgotten()).toEqual({});
	});
	it('forgets the first folder\'s copy when the same message is handled in a second folder', () => {
		const seen = new SeenKeys([], {}, 10);
		seen.add('m', 'Junk', at('2025-03-01T10:00:00Z'));
		seen.add('m', 'INBOX', at('2025-03-01T10:05:00Z'));
		expect(seen.forgottenUpTo('Junk')).toEqual(at('2025-03-01T10:00:00Z'));
		expect(seen.has('m')).toBe(true);
	});
	it('keys by Message-ID, case-insensitively; without one by date, sender and subject', () => {
		expect(messageKey({ messageId: '<X@Y>', subject: 's' })).toBe('<x@y>');
		const date = new Date('2025-01-01T00:00:00Z');
		expect(messageKey({ subject: 's', date, from: { address: 'a@b', name: '' } })).toBe(`nomid:${date.toISOString()}|a@b|s`);
	});
});

describe('backoff', () => {
	it('doubles from 1 s and caps at 60 s', () => {
		expect([1, 2, 3, 6, 7, 20].map((n) => backoffDelay(n, DEFAULT_BACKOFF))).toEqual([1000, 2000, 4000, 32_000, 60_000, 60_000]);
	});
	it('gives up at once on a permanent error, else only after the window', () => {
		expect(shouldGiveUp({ temporary: false }, 0, 0, DEFAULT_BACKOFF)).toBe(true);
		expect(shouldGiveUp({ temporary: true }, 0, DEFAULT_BACKOFF.giveUpAfterMs - 1, DEFAULT_BACKOFF)).toBe(false);
		expect(shouldGiveUp({ temporary: true }, 0, DEFAULT_BACKOFF.giveUpAfterMs, DEFAULT_BACKOFF)).toBe(true);
	});
});
