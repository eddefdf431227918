/**
 * Where to start reading a folder, from the saved cursor and what the server reports when the folder is
 * opened. Pure: the watcher opens the folder, asks `planResume`, and follows the plan.
 */
import type { FolderCursor } from './trigger-state';

/** What EXAMINE reported about the folder. */
export interface OpenedFolder {
	uidValidity: string;
	/** UIDNEXT: the UID the next delivered message will get. */
	uidNext: number;
}

/** How far back to look, before the cursor's last save, when UIDVALIDITY changed. */
export const RESYNC_MARGIN_MS = 24 * 60 * 60 * 1000;

/**
 * IMAP SEARCH SINCE compares dates only, "disregarding time and timezone" (RFC 3501 §6.4.4), in the
 * server's own zone: a re-sync searches from one day earlier and keeps the exact instant itself.
 */
export const SEARCH_SINCE_SLACK_MS = 24 * 60 * 60 * 1000;

/** The plan for one folder. */
export type ResumePlan =
	/** No cursor (first activation, or a new folder): start at UIDNEXT, emit nothing old. */
	| { kind: 'start'; cursor: FolderCursor }
	/** Same UIDVALIDITY: fetch every UID above `cursor.lastUid`. */
	| { kind: 'resume'; cursor: FolderCursor }
	/**
	 * UIDVALIDITY changed (folder re-created, server migrated): the old UIDs mean nothing. Hand over the
	 * messages above `cursor.lastUid` whose INTERNALDATE is at or after `from` (the ones already handled
	 * are skipped by key), then move the cursor to `endUid`. Also the plan for a re-sync that was
	 * interrupted (`cursor.resyncFrom` set, same UIDVALIDITY).
	 */
	| { kind: 'resync'; from: Date; endUid: number; cursor: FolderCursor };

/**
 * Decides how to resume `saved` on a folder that EXAMINE described as `opened`. `forgottenUpTo` is the
 * newest INTERNALDATE among this folder's handled messages that the dedupe list no longer holds (see
 * `SeenKeys.forgottenUpTo`): a re-sync never looks before it, so everything it re-reads can be recognised.
 */
export function planResume(saved: FolderCursor | undefined, opened: OpenedFolder, now: Date, forgottenUpTo?: Date): ResumePlan {
	const endUid = Math.max(0, opened.uidNext - 1);
	if (!saved) return { kind: 'start', cursor: { uidValidity: opened.uidValidity, lastUid: endUid, savedAt: now.toISOString() } };
	if (saved.uidValidity === opened.uidValidity) {
		if (saved.resyncFrom) return { kind: 'resync', from: new Date(saved.resyncFrom), endUid, cursor: saved };
		// A UIDNEXT below the cursor would mean the server reused UIDs without changing UIDVALIDITY
		// (RFC 3501 §2.3.1.1 forbids it); trust the cursor, the fetch simply finds nothing new.
		return { kind: 'resume', cursor: saved };
	}
	const savedAt = Date.parse(saved.savedAt);
	const margin = (Number.isNaN(savedAt) ? now.getTime() : savedAt) - RESYNC_MARGIN_MS;
	let from = Math.max(margin, forgottenUpTo?.getTime() ?? margin);
	// changed again in the middle of a re-sync: what that re-sync had still to read is still due
	if (saved.resyncFrom) from = Math.min(from, Date.parse(saved.resyncFrom));
	const resyncFrom = new Date(from).toISOString();
	return { kind: 'resync', from: new Date(from), endUid, cursor: { uidValidity: opened.uidValidity, lastUid: 0, savedAt: now.toISOString(), resyncFrom } };
}

/** The cursor after handling every UID up to `uid` (never moves back). */
export function advanceCursor(cursor: FolderCursor, uid: number, now: Date): FolderCursor {
	return { ...cursor, lastUid: Math.max(cursor.lastUid, uid), savedAt: now.toISOString() };
}

/** The cursor once a re-sync has handed over everything up to `endUid`. */
export function finishResync(cursor: FolderCursor, endUid: number, now: Date): FolderCursor {
	const { resyncFrom: _done, ...rest } = cursor;
	return { ...rest, lastUid: Math.max(cursor.lastUid, endUid), savedAt: now.toISOString() };
}

/** The UIDs of a SEARCH answer that are really new: `N:*` also matches the highest UID when it is below N. */
export function newUids(found: readonly number[], cursor: FolderCursor): number[] {
	return [...new Set(found)].filter((uid) => uid > cursor.lastUid).sort((a, b) => a - b);
}
