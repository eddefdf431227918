/**
 * Headers first, for the trigger: whether a new message can refer to an SMTP Sequence email, from a few
 * header fields, before its source is fetched. With scope `sequence` only such messages can be emitted
 * (`decideEmit`), so after downtime the trigger fetches the full source of these candidates only:
 *
 * - threaded: In-Reply-To/References carry one of our Message-IDs (replies, most auto-replies);
 * - report-like: machine-made (null Return-Path, a report or message/* type, a daemon-like sender,
 *   Auto-Submitted, X-Failed-Recipients, a bounce-like subject): our id may sit in the body (a DSN's
 *   returned headers, a complaint's returned message).
 *
 * The same first pass as the ledger reader's (`core/sequence/inbound-candidate.ts`), without its
 * run-specific part (mail from a run's prospects): the trigger matches by our ids only. What it gives
 * up: a human message with no thread headers that quotes one of our ids only in its body.
 */
import { CANDIDATE_HEADER_FIELDS, digestHeaders } from '../sequence/inbound-candidate';

/** The header fields the trigger's first pass fetches (`BODY.PEEK[HEADER.FIELDS (…)]`). */
export const TRIGGER_HEADER_FIELDS: readonly string[] = CANDIDATE_HEADER_FIELDS;

/** Longest header block digested (a References field can list a whole thread). */
export const MAX_CANDIDATE_HEADER_BYTES = 64 * 1024;

/** True when the message (its CANDIDATE header fields, as the server returned them) may refer to ours. */
export function isTriggerCandidate(block: Buffer): boolean {
	const digest = digestHeaders(block.subarray(0, MAX_CANDIDATE_HEADER_BYTES).toString('latin1'));
	return digest.refs.length > 0 || digest.reportLike;
}
