/**
 * What the IMAP Reply Trigger remembers between runs, kept in the workflow's static data: one cursor per
 * watched folder (UIDVALIDITY + last UID handled) and a bounded list of recently handled message keys
 * (Message-IDs) that makes a re-sync after a UIDVALIDITY change free of duplicates.
 */

/** Where one folder was left. */
export interface FolderCursor {
	/** UIDVALIDITY of the folder when `lastUid` was read (a 32-bit unsigned value, kept as a string). */
	uidValidity: string;
	/** Highest UID already handled; the next catch-up fetches `lastUid + 1 : *`. */
	lastUid: number;
	/** When the cursor last moved (ISO 8601): bounds the re-scan after a UIDVALIDITY change. */
	savedAt: string;
}

/** The whole persisted state. */
export interface TriggerState {
	version: 1;
	/** Cursors by folder path. */
	folders: Record<string, FolderCursor>;
	/** Keys of recently handled messages, oldest first (see `seen-keys.ts`). */
	seen: string[];
}

/** An empty state: first activation. */
export function emptyTriggerState(): TriggerState {
	return { version: 1, folders: {}, seen: [] };
}

function isRecord(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readCursor(value: unknown): FolderCursor | undefined {
	if (!isRecord(value)) return undefined;
	const { uidValidity, lastUid, savedAt } = value;
	if (typeof uidValidity !== 'string' || !/^\d+$/.test(uidValidity)) return undefined;
	if (typeof lastUid !== 'number' || !Number.isInteger(lastUid) || lastUid < 0) return undefined;
	return { uidValidity, lastUid, savedAt: typeof savedAt === 'string' ? savedAt : new Date(0).toISOString() };
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
	if (Array.isArray(raw.seen)) state.seen = raw.seen.filter((key): key is string => typeof key === 'string');
	return state;
}
