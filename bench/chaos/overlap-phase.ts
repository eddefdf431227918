/**
 * Overlap phase: pairs of runs in two worker processes, on the same prospects, started together, with a
 * daily limit smaller than the number of prospects due. The sender's Sent folder is emptied before each
 * pair, so the day's count starts at zero and the pair's sequence is all that counts against the limit:
 * the prospects' mailboxes must hold at most `limit` of its messages and no step twice.
 */
import { addressOf, mailstack } from '../../test/helpers/mailstack';
import type { ChaosContext } from './context';
import { Worker } from './workers';
import { directEndpoints, prospectsOf, USERS, type RunSpec } from './setup';

/** Who sends the pairs, and which counter counts them. */
export interface OverlapVariant {
	phase: 'overlap' | 'nokeywords';
	sender: string;
	/** Prefix of prospect tags, unique per variant. */
	tag: string;
	paired(ctx: ChaosContext): void;
}

/** The overlap phase: u103. */
export const OVERLAP_PAIRS: OverlapVariant = {
	phase: 'overlap',
	sender: USERS.overlapSender,
	tag: 'o',
	paired: (ctx) => {
		ctx.faults.overlapRuns++;
	},
};

export async function overlapPhase(ctx: ChaosContext, pairs: number, variant: OverlapVariant = OVERLAP_PAIRS): Promise<void> {
	const workers = [Worker.start(), Worker.start()];
	try {
		await Promise.all(workers.map((w) => w.ready));
		for (let j = 0; j < pairs; j++) {
			await mailstack('doveadm', 'expunge', '-u', addressOf(variant.sender), 'mailbox', 'Sent', 'all');
			const key = `chaos-${ctx.options.seed}-${variant.phase === 'overlap' ? 'overlap' : 'nokeywords-overlap'}-${j}`;
			const due = ctx.rng.int(6, 9);
			const limit = ctx.rng.int(2, due - 2);
			const prospects = prospectsOf(USERS.overlapRecipients, `${variant.tag}${j}`, due);
			ctx.plans.push({ phase: variant.phase, key, prospects, steps: 2, dailyLimit: limit });
			// every other pair paced, so the runs interleave sends and not only their claims
			const paced = j % 2 === 1;
			const spec: RunSpec = {
				sender: variant.sender,
				sequenceKey: key,
				prospects,
				steps: 2,
				pacing: paced ? { minSeconds: 0, maxSeconds: 1 } : { minSeconds: 0, maxSeconds: 0 },
				dailyLimit: limit,
				endpoints: directEndpoints(),
				label: `${variant.phase} pair ${j}`,
			};
			const offset = ctx.rng.int(0, 300);
			const [a, b] = await Promise.all([
				workers[0].run(spec),
				new Promise((r) => setTimeout(r, offset)).then(() => workers[1].run(spec)),
			]);
			variant.paired(ctx);
			const sent = [a, b].map((o) => o.error ?? String(o.statuses.filter((s) => s.status === 'sent').length));
			ctx.log(`${variant.phase} pair ${j}: ${due} due, limit ${limit}, ${paced ? 'paced' : 'unpaced'}, +${offset} ms; runs report sent ${sent.join(' + ')}`);
		}
	} finally {
		await Promise.all(workers.map((w) => w.end().catch(() => undefined)));
	}
}
