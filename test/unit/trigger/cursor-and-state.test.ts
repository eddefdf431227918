import { DEFAULT_BACKOFF, backoffDelay, shouldGiveUp } from '../../../core/trigger/backoff';
import { advanceCursor, newUids, planResume, RESYNC_MARGIN_MS } from '../../../core/trigger/cursor';
import { SeenKeys, messageKey } from '../../../core/trigger/seen-keys';
import { readTriggerState } from '../../../core/trigger/trigger-state';

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
		expect(plan.since.getTime()).toBe(Date.parse(saved.savedAt) - RESYNC_MARGIN_MS);
		expect(plan.cursor).toMatchObject({ uidValidity: '8', lastUid: 0 });
	});
});

describe('cursor arithmetic', () => {
	const cursor = { uidValidity: '1', lastUid: 10, savedAt: now.toISOString() };
	it('keeps only UIDs above the cursor (N:* also returns the highest UID below N), sorted and unique', () => {
		expect(newUids([10], cursor)).toEqual([]);
		expect(newUids([13, 11, 11, 9], cursor)).toEqual([11, 13]);
	});
	it('never moves back', () => {
		expect(advanceCursor(cursor, 4, now).lastUid).toBe(10);
		expect(advanceCursor(cursor, 12, now).lastUid).toBe(12);
	});
});

describe('readTriggerState', () => {
	it('keeps valid cursors and drops anything unreadable', () => {
		const state = readTriggerState({
			folders: { INBOX: { uidValidity: '3', lastUid: 9, savedAt: 'x' }, Junk: { uidValidity: 3, lastUid: 1 }, Bad: { uidValidity: '3', lastUid: -1 } },
			seen: ['<a@b>', 4],
		});
		expect(Object.keys(state.folders)).toEqual(['INBOX']);
		expect(state.seen).toEqual(['<a@b>']);
		expect(readTriggerState(undefined)).toEqual({ version: 1, folders: {}, seen: [] });
	});
});

describe('SeenKeys', () => {
	it('forgets the oldest keys beyond its limit and refreshes re-added ones', () => {
		const seen = new SeenKeys(['a', 'b'], 3);
		seen.add('a');
		seen.add('c');
		seen.add('d');
		expect(seen.toArray()).toEqual(['a', 'c', 'd']);
		expect(seen.has('b')).toBe(false);
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
