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

/** How far back to look, before the cursor's last save, when UIDVALIDITY changed (IMAP SINCE is a date). */
export const RESYNC_MARGIN_MS = 24 * 60 * 60 * 1000;

/** The plan for one folder. */
export type ResumePlan =
	/** No cursor (first activation, or a new folder): start at UIDNEXT, emit nothing old. */
	| { kind: 'start'; cursor: FolderCursor }
	/** Same UIDVALIDITY: fetch every UID above `cursor.lastUid`. */
	| { kind: 'resume'; cursor: FolderCursor }
	/**
	 * UIDVALIDITY changed (folder re-created, server migrated): the old UIDs mean nothing. Re-scan the
	 * messages that arrived since `since` and skip the ones whose key was already handled.
	 */
	| { kind: 'resync'; since: Date; cursor: FolderCursor };

/** Decides how to resume `saved` on a folder that EXAMINE described as `opened`. */
export function planResume(saved: FolderCursor | undefined, opened: OpenedFolder, now: Date): ResumePlan {
	const atUidNext: FolderCursor = {
		uidValidity: opened.uidValidity,
		lastUid: Math.max(0, opened.uidNext - 1),
		savedAt: now.toISOString(),
	};
	if (!saved) return { kind: 'start', cursor: atUidNext };
	if (saved.uidValidity === opened.uidValidity) {
		// A UIDNEXT below the cursor would mean the server reused UIDs without changing UIDVALIDITY
		// (RFC 3501 §2.3.1.1 forbids it); trust the cursor, the fetch simply finds nothing new.
		return { kind: 'resume', cursor: saved };
	}
	const savedAt = Date.parse(saved.savedAt);
	const since = new Date((Number.isNaN(savedAt) ? now.getTime() : savedAt) - RESYNC_MARGIN_MS);
	return { kind: 'resync', since, cursor: { ...atUidNext, lastUid: 0 } };
}

/** The cursor after handling every UID up to `uid` (never moves back). */
export function advanceCursor(cursor: FolderCursor, uid: number, now: Date): FolderCursor {
	return { uidValidity: cursor.uidValidity, lastUid: Math.max(cursor.lastUid, uid), savedAt: now.toISOString() };
}

/** The UIDs of a SEARCH answer that are really new: `N:*` also matches the highest UID when it is below N. */
export function newUids(found: readonly number[], cursor: FolderCursor): number[] {
	return [...new Set(found)].filter((uid) => uid > cursor.lastUid).sort((a, b) => a - b);
}
