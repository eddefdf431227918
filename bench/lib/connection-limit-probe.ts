/**
 * Probe (docs/benchmarks.md, "Why the agency scenario can list 11 sessions"): is Dovecot's
 * `mail_max_userip_connections` exact when logins race? Each trial holds `HELD` sessions of one user, then
 * starts `RACE` logins at the same moment and counts how many the server admits; with a limit of 10 an
 * exact check admits 10 − HELD. Everything is closed between trials. Not part of `npm run bench:scale`.
 *
 *   npx tsx bench/lib/connection-limit-probe.ts [user=s19] [trials=10]
 */
import './env';
import type { ImapFlow } from 'imapflow';
import { closeImap, connectImap } from '../../transport/imap-client';
import { settingsFor } from '../../test/helpers/mailstack';

const [user = 's19', trials = '10'] = process.argv.slice(2);
const HELD = Number(process.env.HELD ?? 8);
const RACE = Number(process.env.RACE ?? 6);
const LIMIT = 10;

function codeOf(reason: unknown): string {
	const code = typeof reason === 'object' && reason !== null ? (reason as { code?: unknown }).code : undefined;
	return typeof code === 'string' ? code : String(reason);
}

async function main(): Promise<void> {
	const settings = settingsFor(user);
	const admittedCounts: number[] = [];
	for (let trial = 1; trial <= Number(trials); trial++) {
		const held: ImapFlow[] = [];
		const admitted: ImapFlow[] = [];
		try {
			for (let i = 0; i < HELD; i++) held.push(await connectImap(settings));
			const results = await Promise.allSettled(Array.from({ length: RACE }, () => connectImap(settings)));
			const refused: string[] = [];
			for (const result of results) {
				if (result.status === 'fulfilled') admitted.push(result.value);
				else refused.push(codeOf(result.reason));
			}
			admittedCounts.push(admitted.length);
			process.stdout.write(`trial ${trial}: ${HELD} held + ${RACE} at once → ${admitted.length} admitted (${HELD + admitted.length} open), refused: ${refused.join(', ') || 'none'}\n`);
		} finally {
			await Promise.all([...held, ...admitted].map((client) => closeImap(client)));
		}
		await new Promise((resolve) => setTimeout(resolve, 1500));
	}
	const over = admittedCounts.filter((n) => HELD + n > LIMIT).length;
	process.stdout.write(`${JSON.stringify({ user, held: HELD, race: RACE, trials: admittedCounts.length, exact: LIMIT - HELD, admitted: admittedCounts, trials_over_limit: over })}\n`);
}

main().catch((error: unknown) => {
	process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
	process.exit(1);
});
