/**
 * What the IMAP Reply Trigger remembers between runs, kept in the workflow's static data: one cursor per
 * watched folder (UIDVALIDITY + last UID handled), a bounded list of recently handled messages that makes
 * a re-sync after a UIDVALIDITY change free of duplicates, and the messages set aside since the last emit.
 */
import { hashMessageKey } from './seen-keys';

/** Where one folder was left. */
export interface FolderCursor {
	/** UIDVALIDITY of the folder when `lastUid` was read (a 32-bit unsigned value, kept as a string). */
	uidValidity: string;
	/** Highest UID already handled; the next catch-up fetches `lastUid + 1 : *`. */
	lastUid: number;
	/** When the cursor last moved (ISO 8601): bounds the re-scan after a UIDVALIDITY change. */
	savedAt: string;
	/**
	 * Set while a re-sync after a UIDVALIDITY change is under way (ISO 8601): the messages above `lastUid`
	 * that arrived (INTERNALDATE) from then on are still to be handed over; older ones were handled before
	 * the change. Cleared when the re-sync reaches the UIDNEXT it started from.
	 */
	resyncFrom?: string;
}

/** One handled message, as `SeenKeys` stores it: [key hash, folder, INTERNALDATE in epoch seconds (0 unknown)]. */
export type SeenEntry = [key: string, folder: string, receivedAt: number];

/** A message the trigger gave up on (or emitted without its attachments), reported with the next emit. */
export interface SetAsideMessage {
	folder: string;
	uid: number;
	/** One sentence: what failed, how often, and the last error. */
	reason: string;
}

/** The whole persisted state. */
export interface TriggerState {
	version: 2;
	/** Cursors by folder path. */
	folders: Record<string, FolderCursor>;
	/** Recently handled messages, oldest first (see `seen-keys.ts`). */
	seen: SeenEntry[];
	/**
	 * Per folder: the newest INTERNALDATE (epoch seconds) among the handled messages that dropped out of
	 * `seen`. A re-sync of that folder never looks before it, so what it re-reads is always in `seen`.
	 */
	forgotten: Record<string, number>;
	/** Set aside since the last emit, oldest first, at most `SET_ASIDE_LISTED` of them. */
	setAside: SetAsideMessage[];
	/** How many were set aside since the last emit (may exceed the list). */
	setAsideCount: number;
}

/** How many set-aside messages are listed in the state and the next item; the count goes on beyond. */
export const SET_ASIDE_LISTED = 20;

/** An empty state: first activation. */
export function emptyTriggerState(): TriggerState {
	return { version: 2, folders: {}, seen: [], forgotten: {}, setAside: [], setAsideCount: 0 };
}

/** Adds a set-aside message to the state's report (listed while there is room, always counted). */
export function recordSetAside(state: TriggerState, message: SetAsideMessage): TriggerState {
	const listed = state.setAside.length < SET_ASIDE_LISTED ? [...state.setAside, message] : state.setAside;
	return { ...state, setAside: listed, setAsideCount: state.setAsideCount + 1 };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readCursor(value: unknown): FolderCursor | undefined {
	if (!isRecord(value)) return undefined;
	const { uidValidity, lastUid, savedAt, resyncFrom } = value;
	if (typeof uidValidity !== 'string' || !/^\d+$/.test(uidValidity)) return undefined;
	if (typeof lastUid !== 'number' || !Number.isInteger(lastUid) || lastUid < 0) return undefined;
	const cursor: FolderCursor = { uidValidity, lastUid, savedAt: typeof savedAt === 'string' ? savedAt : new Date(0).toISOString() };
	if (typeof resyncFrom === 'string' && !Number.isNaN(Date.parse(resyncFrom))) cursor.resyncFrom = resyncFrom;
	return cursor;
}

/**
 * A stored `seen` entry. Version 1 stored the bare key (a lower-cased Message-ID): it is kept with an
 * unknown folder and date, so it still stops a duplicate but cannot move a folder's `forgotten` mark.
 */
function readSeenEntry(value: unknown): SeenEntry | undefined {
	if (typeof value === 'string') return [hashMessageKey(value), '', 0];
	if (!Array.isArray(value) || value.length !== 3) return undefined;
	const [key, folder, receivedAt] = value as unknown[];
	if (typeof key !== 'string' || typeof folder !== 'string' || typeof receivedAt !== 'number' || !Number.isFinite(receivedAt)) return undefined;
	return [key, folder, receivedAt];
}

function readSetAside(value: unknown): SetAsideMessage | undefined {
	if (!isRecord(value)) return undefined;
	const { folder, uid, reason } = value;
	if (typeof folder !== 'string' || typeof uid !== 'number' || typeof reason !== 'string') return undefined;
	return { folder, uid, reason };
}

/**
 * Reads the state from static data as n8n hands it over (untyped, possibly written by an older version
 * or edited by hand). Anything unreadable is dropped: a folder without a cursor starts at UIDNEXT, which
 * never emits old mail.
 */
export function readTriggerState(raw: unknown): TriggerState {
	const state = emptyTriggerState();
	if (!isRecord(raw)) return state;
	if (isRecord(raw.folders)) {
		for (const [path, value] of Object.entries(raw.folders)) {
			const cursor = readCursor(value);
			if (cursor) state.folders[path] = cursor;
		}
	}
	if (Array.isArray(raw.seen)) state.seen = raw.seen.map(readSeenEntry).filter((e): e is SeenEntry => e !== undefined);
	if (isRecord(raw.forgotten)) {
		for (const [path, value] of Object.entries(raw.forgotten)) {
			if (typeof value === 'number' && Number.isFinite(value)) state.forgotten[path] = value;
		}
	}
	if (Array.isArray(raw.setAside)) {
		state.setAside = raw.setAside.map(readSetAside).filter((m): m is SetAsideMessage => m !== undefined).slice(0, SET_ASIDE_LISTED);
	}
	const count = raw.setAsideCount;
	state.setAsideCount = typeof count === 'number' && Number.isInteger(count) && count >= state.setAside.length ? count : state.setAside.length;
	return state;
}
