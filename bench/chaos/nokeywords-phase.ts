/**
 * No-keywords phase (issue 8, scenario 3): the kill and overlap faults again, sent from an Exchange-like
 * mailbox whose folders keep no custom keywords (the stack's exo users: PERMANENTFLAGS without `\*`, as
 * Exchange Online). Claims carry no `$SeqClaim` and no `$SeqSent` is stored, so never twice and the daily
 * limit rest on the copies in Sent alone (lowest UID per Message-ID, rank by UID). Kill points that wait
 * for the `$SeqSent` STORE never come there and are not drawn.
 */
import type { ChaosContext } from './context';
import { KILL_POINTS, killPhase, type KillVariant } from './kill-phase';
import { overlapPhase, type OverlapVariant } from './overlap-phase';
import { USERS } from './setup';

const KILLS: KillVariant = {
	phase: 'nokeywords',
	sender: USERS.noKeywordSender,
	tag: 'xk',
	points: KILL_POINTS.filter((p) => p !== 'confirm-before' && p !== 'confirm-after'),
	killed: (ctx, point) => {
		ctx.faults.noKeywordKills++;
		ctx.faults.noKeywordKillPoints[point] = (ctx.faults.noKeywordKillPoints[point] ?? 0) + 1;
	},
	kills: (ctx) => ctx.faults.noKeywordKills,
};

const PAIRS: OverlapVariant = {
	phase: 'nokeywords',
	sender: USERS.noKeywordSender,
	tag: 'xo',
	paired: (ctx) => {
		ctx.faults.noKeywordPairs++;
	},
};

export async function noKeywordsPhase(ctx: ChaosContext, size: { kills: number; pairs: number }): Promise<void> {
	await killPhase(ctx, size.kills, KILLS);
	await overlapPhase(ctx, size.pairs, PAIRS);
}
