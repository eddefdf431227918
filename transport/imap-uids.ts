/**
 * UID SEARCH and UID FETCH over any number of UIDs: sets are sent as compact ranges in pieces of bounded
 * length (`core/mail/uid-set.ts`), results come back compact where the server has ESEARCH (RFC 4731),
 * and fetches are streamed piece by piece so memory follows the piece, not the mailbox. Failures come
 * out as errors that say which command failed, in which folder, and what the server answered.
 */
import type { FetchMessageObject, FetchQueryObject, ImapFlow, SearchObject } from 'imapflow';
import { asSequenceError, SequenceError } from '../core/errors';
import { expandUidSet, uidSetChunks } from '../core/mail/uid-set';
import { lastRefusal } from './imap-client';

/** UIDs per FETCH when each message is small (flags, envelopes, a few header fields). */
export const FETCH_CHUNK = 500;

/** The server's answer in an imapflow error, when there is one. */
function serverAnswer(error: unknown): string {
	if (typeof error !== 'object' || error === null) return String(error);
	const { responseText, response, message } = error as { responseText?: unknown; response?: unknown; message?: unknown };
	const text = typeof responseText === 'string' && responseText ? responseText : typeof response === 'string' && response ? response : typeof message === 'string' ? message : '';
	return text.replace(/^\S+ (?:NO|BAD) /, '').slice(0, 300);
}

/**
 * imapflow's codes for a connection that is gone: `NoConnection` ("Connection not available": closed by
 * the server, kicked, or after a BYE), `EConnectionClosed`, `StateLogout` (a command after LOGOUT), and
 * the socket's own resets and timeouts.
 */
const LOST_CONNECTION_CODES = new Set(['NoConnection', 'EConnectionClosed', 'StateLogout', 'ECONNRESET', 'EPIPE', 'ETIMEOUT', 'ETIMEDOUT']);

/** Whether `error` says the IMAP connection is gone (imapflow's code, else its wording). */
export function isLostConnection(error: unknown): boolean {
	if (typeof error !== 'object' || error === null) return false;
	const { code, message } = error as { code?: unknown; message?: unknown };
	if (typeof code === 'string' && LOST_CONNECTION_CODES.has(code)) return true;
	return typeof message === 'string' && /connection (?:closed|not available)|socket (?:is already )?closed|can not send data after logged out/i.test(message);
}

/**
 * A failed IMAP command as a SequenceError naming the command, the folder and the server's answer, so
 * the user never sees imapflow's bare "Command failed" or "Connection not available". A connection that
 * is gone becomes `CONNECTION_CLOSED` (temporary) saying so; our own errors pass through.
 */
export function commandError(error: unknown, what: string, folder?: string): SequenceError {
	if (error instanceof SequenceError) return error;
	const answer = serverAnswer(error);
	const where = folder === undefined ? '' : ` in "${folder}"`;
	if (isLostConnection(error) || /connection (?:closed|not available)|socket closed/i.test(answer)) {
		return new SequenceError('CONNECTION_CLOSED', `The IMAP connection was lost while ${what}${where} (the server closed it or it stopped answering); nothing more was done on it in this run.`, {
			hint: 'Try again: the next run continues from what the mailbox holds. If it keeps happening, check the server and how many connections it allows.',
			cause: answer,
		});
	}
	return new SequenceError('IMAP_COMMAND_FAILED', `The IMAP server refused ${what}${where}: ${answer || 'no reason given'}.`, {
		hint: 'The mailbox itself is not changed. If the server names a limit, tell its administrator; otherwise try again later.',
		cause: answer,
	});
}

/**
 * For work that talks IMAP but may also fail for other reasons (reading and classifying the ledger): a
 * lost connection is said so (`commandError`), anything else stays what it is.
 */
export function imapWorkError(error: unknown, what: string, folder?: string): SequenceError {
	if (!(error instanceof SequenceError) && isLostConnection(error)) return commandError(error, what, folder);
	return asSequenceError(error);
}

/**
 * UID SEARCH for `query` within `uids` (a UID set such as `"1:*"`, or undefined for the whole folder):
 * the matching UIDs, ascending. ESEARCH answers come as a compact set and are expanded here, at most
 * `limit` UIDs (a server cannot make us allocate more than the folder holds).
 */
export async function searchUids(client: ImapFlow, query: SearchObject, folder: string, what: string, limit: number): Promise<number[]> {
	let result: Awaited<ReturnType<ImapFlow['search']>>;
	try {
		result = client.capabilities.has('ESEARCH')
			? await client.search(query, { uid: true, returnOptions: ['ALL'] })
			: await client.search(query, { uid: true });
	} catch (error) {
		throw commandError(error, what, folder);
	}
	// imapflow resolves a refused SEARCH (NO, BAD) as false and only logs the server's answer
	if (result === false || result === undefined) throw commandError({ responseText: lastRefusal(client) || 'SEARCH was refused, no reason given' }, what, folder);
	if (Array.isArray(result)) return result;
	return result.all ? expandUidSet(result.all, limit) : [];
}

/** UID SEARCH within the given UIDs, in pieces of bounded length; the UIDs that match and exist. */
export async function searchWithin(client: ImapFlow, uids: Iterable<number>, query: Omit<SearchObject, 'uid'>, folder: string, what: string): Promise<number[]> {
	const found: number[] = [];
	for (const set of uidSetChunks(uids)) found.push(...(await searchUids(client, { ...query, uid: set }, folder, what, Number.MAX_SAFE_INTEGER)));
	return found.sort((a, b) => a - b);
}

/** Data items of a fetch query that every answer carries (imapflow's names for them). */
const ANSWER_ITEMS = ['envelope', 'headers', 'source', 'bodyStructure', 'internalDate', 'size'] as const;

/**
 * Whether a FETCH response read during a UID FETCH is an answer to it: its UID is one that was asked for
 * and it carries every data item asked for. Not every FETCH response in the command's stream is one: a
 * server may report another session's flag change at any time (RFC 3501 §7.4.2; Dovecot sends the pending
 * ones when the command ends), and once QRESYNC is enabled such a response carries the message's UID
 * (RFC 7162 §3.2.4) — `* 5 FETCH (UID 162 MODSEQ (190) FLAGS (\Seen $SeqClaim $SeqSent))` — which imapflow
 * passes to the command like its answers, with no envelope, headers or source. Taken as an answer, it read
 * as a message with no Message-ID and no date (issue #10: the daily rank dropped a copy another run had
 * just confirmed, and two runs sent over the limit).
 */
export function answersFetch(message: FetchMessageObject, query: FetchQueryObject, asked: ReadonlySet<number>): boolean {
	if (!asked.has(message.uid)) return false;
	for (const item of ANSWER_ITEMS) if (query[item] && message[item] === undefined) return false;
	return true;
}

/**
 * UID FETCH of `query` for `uids`, `chunk` UIDs per command, calling `each` for every message as it is
 * read (awaited, in the server's order). Messages expunged meanwhile simply do not come back; FETCH
 * responses that are not answers (`answersFetch`: other sessions' flag changes) are skipped.
 */
export async function fetchEach(
	client: ImapFlow,
	uids: readonly number[],
	query: FetchQueryObject,
	folder: string,
	what: string,
	each: (message: FetchMessageObject) => void | Promise<void>,
	chunk = FETCH_CHUNK,
): Promise<void> {
	const sorted = [...uids].sort((a, b) => a - b);
	for (let i = 0; i < sorted.length; i += chunk) {
		const asked = new Set(sorted.slice(i, i + chunk));
		for (const set of uidSetChunks(asked)) {
			try {
				for await (const message of client.fetch(set, { ...query, uid: true }, { uid: true })) {
					if (answersFetch(message, query, asked)) await each(message);
				}
			} catch (error) {
				throw commandError(error, what, folder);
			}
		}
	}
}

/**
 * The selected folder's HIGHESTMODSEQ when the session can re-sync by it (QRESYNC enabled, RFC 7162),
 * else undefined (the caller re-checks by SEARCH).
 */
export function modseqOf(client: ImapFlow): bigint | undefined {
	const box = client.mailbox;
	if (!box || box.noModseq || !client.enabled.has('QRESYNC')) return undefined;
	return typeof box.highestModseq === 'bigint' && box.highestModseq > 0n ? box.highestModseq : undefined;
}

/** What changed in a folder since a HIGHESTMODSEQ: flags of changed messages, UIDs expunged. */
export interface FolderChanges {
	flags: Map<number, Set<string>>;
	vanished: number[];
}

/**
 * `UID FETCH range (FLAGS) (CHANGEDSINCE since VANISHED)` (RFC 7162 §3.2.6): the messages whose flags
 * changed and the UIDs expunged since `since`, a few lines whatever the folder's size. Undefined when
 * the session has no QRESYNC. A server may report UIDs that never existed as vanished: harmless.
 */
export async function changesSince(client: ImapFlow, folder: string, range: string, since: bigint): Promise<FolderChanges | undefined> {
	if (!client.enabled.has('QRESYNC')) return undefined;
	const changes: FolderChanges = { flags: new Map(), vanished: [] };
	const onExpunge = (event: { uid?: number; vanished?: boolean }): void => {
		if (event.vanished && typeof event.uid === 'number') changes.vanished.push(event.uid);
	};
	client.on('expunge', onExpunge);
	try {
		for await (const message of client.fetch(range, { uid: true, flags: true }, { uid: true, changedSince: since })) {
			changes.flags.set(message.uid, message.flags ?? new Set());
		}
	} catch (error) {
		throw commandError(error, 'asking what changed', folder);
	} finally {
		client.off('expunge', onExpunge);
	}
	return changes;
}
