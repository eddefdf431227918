/**
 * "Never twice" across processes: before a step goes out, its exact raw message is APPENDed to the Sent
 * folder as a claim. The claim with the lowest UID for a Message-ID wins (UIDs only grow, RFC 3501
 * §2.3.1.1), so of two executions or two n8n workers racing for the same step exactly one sends; a copy
 * already in Sent from an earlier run always wins. After the SMTP server accepts, the claim is confirmed
 * with a keyword; if the server refuses, the claim is deleted so nothing is recorded as sent.
 * The full argument and the remaining window are in docs/design.md ("Never twice").
 */
import type { ImapFlow } from 'imapflow';
import { SequenceError } from '../core/errors';

/** Keyword on a copy whose sending is claimed but not yet confirmed. */
export const CLAIM_KEYWORD = '$SeqClaim';
/** Keyword on a copy the SMTP server accepted. */
export const SENT_KEYWORD = '$SeqSent';

/** A won claim: our copy in Sent. */
export interface Claim {
	uid: number;
	messageId: string;
}

/**
 * Outcome of trying to claim a step. A lost claim with no `existingUids` found no copy at all, not even
 * its own: something removed it, and nobody holds the step.
 */
export type ClaimResult = { won: true; claim: Claim } | { won: false; existingUids: number[] };

/**
 * Appends `raw` to `sentPath` (which `client` must have selected read-write) and decides whether this
 * process owns the send. A lost claim deletes its own copy again. `keywords` false: the folder keeps no
 * custom keywords (`keepsKeywords`), so the copy goes in without `$SeqClaim`, which the server would drop.
 */
export async function claimStep(client: ImapFlow, sentPath: string, raw: Buffer, messageId: string, now: Date, keywords = true): Promise<ClaimResult> {
	const appended = await client.append(sentPath, raw, keywords ? ['\\Seen', CLAIM_KEYWORD] : ['\\Seen'], now);
	if (!appended || typeof appended.uid !== 'number') {
		// RFC 4315 UIDPLUS is what tells us which copy is ours; every mainstream server has it
		throw new SequenceError('IMAP_COMMAND_FAILED', 'The IMAP server did not report the UID of the appended Sent copy (UIDPLUS missing).', {
			hint: 'This server cannot be used for safe sequences: two runs could not tell their claims apart.',
		});
	}
	// RFC 3501 §2.3.1.1: UIDs ascend in the order messages are added, so of all copies the lowest UID was
	// added first. The NOOP lets EXPUNGE responses arrive (§7.4.1: they are held back during SEARCH and
	// FETCH): without it the session may still "see" its own copy after another client removed it, and
	// win while a later claim, which no longer sees it, wins too.
	const uids = await copiesOf(client, messageId);
	// Win only with our own copy in the result and lowest: a copy that is gone (removed by another client,
	// or replaced by a provider that de-duplicates by Message-ID) claims nothing, and a later claim that
	// no longer sees it may rightly win.
	const uid = appended.uid;
	const ours = uids.includes(uid);
	const others = uids.filter((other) => other !== uid);
	if (ours && others.every((other) => other > uid)) return { won: true, claim: { uid, messageId } };
	if (ours) await client.messageDelete(String(uid), { uid: true });
	return { won: false, existingUids: others };
}

/** UIDs of every live copy of `messageId` in the selected folder. */
export async function copiesOf(client: ImapFlow, messageId: string): Promise<number[]> {
	// RFC 3501 §7.4.1: EXPUNGE responses are held back during SEARCH, so a session can still "see" copies
	// other sessions removed; NOOP lets them arrive.
	await client.noop();
	return searchCopies(client, messageId);
}

/** UIDs of the copies of `messageId` in this session's current view of the selected folder. */
async function searchCopies(client: ImapFlow, messageId: string): Promise<number[]> {
	const found = await client.search({ header: { 'message-id': messageId }, deleted: false }, { uid: true });
	return Array.isArray(found) ? found : [];
}

/** Marks the claim as accepted by the SMTP server. */
export async function confirmClaim(client: ImapFlow, claim: Claim): Promise<void> {
	await client.messageFlagsAdd(String(claim.uid), [SENT_KEYWORD], { uid: true });
}

/**
 * Marks several claims as accepted in one STORE (a run confirms sends that finished while the previous
 * STORE ran). The claims were APPENDed by another session: the NOOP first lets this one learn of them
 * (their EXISTS), because a UID STORE ignores, without an error, a UID the session does not know yet
 * (RFC 3501 §6.4.8; Dovecot answers OK and stores nothing).
 */
export async function confirmClaims(client: ImapFlow, uids: readonly number[]): Promise<void> {
	if (uids.length === 0) return;
	await client.noop();
	await client.messageFlagsAdd(uids.join(','), [SENT_KEYWORD], { uid: true });
}

/** Deletes the claim after the SMTP server refused the message: nothing stays recorded as sent. */
export async function releaseClaim(client: ImapFlow, claim: Claim): Promise<void> {
	await client.messageDelete(String(claim.uid), { uid: true });
}

/**
 * Whether the folder selected read-write keeps our keywords: its PERMANENTFLAGS (RFC 3501 §7.1) list `\*`
 * (new keywords may be created) or both of ours. Exchange Online answers `PERMANENTFLAGS (\Seen \Answered
 * \Flagged \Deleted \Draft $MDNSent)` and drops `$SeqClaim`/`$SeqSent` silently, as do the test stack's
 * exo users; then a claim and an accepted send look alike (docs/design.md, "Sent without custom keywords").
 */
export function keepsKeywords(permanentFlags: ReadonlySet<string> | undefined): boolean {
	if (!permanentFlags) return false;
	return permanentFlags.has('\\*') || (permanentFlags.has(CLAIM_KEYWORD) && permanentFlags.has(SENT_KEYWORD));
}
