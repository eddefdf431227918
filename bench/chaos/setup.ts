/**
 * What every part of `npm run chaos` shares: the command line, the seeded random source (a run is
 * reproduced by its seed), the mailbox users (u101–u110 and exo09, table in docs/design.md) and the SMTP Sequence
 * run a worker executes.
 */
import { sequenceMessageId } from '../../core/mail/message-id';
import { addressOf, stack } from '../../test/helpers/mailstack';

/** The command line: `--quick`, `--seed N`, `--only kill,overlap,…`. */
export interface ChaosOptions {
	quick: boolean;
	seed: number;
	phases: ReadonlySet<PhaseName>;
}

export type PhaseName = 'kill' | 'overlap' | 'smtp' | 'imap' | 'nokeywords';
export const PHASES: readonly PhaseName[] = ['kill', 'overlap', 'smtp', 'imap', 'nokeywords'];

export function parseOptions(argv: readonly string[]): ChaosOptions {
	let quick = false;
	let seed = Date.now() % 1_000_000;
	let phases = new Set<PhaseName>(PHASES);
	for (let i = 0; i < argv.length; i++) {
		const arg = argv[i];
		if (arg === '--quick') quick = true;
		else if (arg === '--seed') seed = Number(argv[++i]);
		else if (arg === '--only') {
			const wanted = String(argv[++i]).split(',');
			const unknown = wanted.filter((p) => !PHASES.includes(p as PhaseName));
			if (unknown.length > 0) throw new Error(`--only takes phases from ${PHASES.join(',')}; got ${unknown.join(',')}`);
			phases = new Set(wanted as PhaseName[]);
		} else throw new Error(`unknown argument "${arg}" (usage: npm run chaos -- [--quick] [--seed N] [--only ${PHASES.join(',')}])`);
	}
	if (!Number.isSafeInteger(seed) || seed < 0) throw new Error('--seed takes a non-negative integer');
	return { quick, seed, phases };
}

/** A small seeded generator (mulberry32): the same seed gives the same kill points, pairs and replies. */
export class Rng {
	private state: number;
	constructor(seed: number) {
		this.state = seed >>> 0;
	}
	next(): number {
		this.state = (this.state + 0x6d2b79f5) >>> 0;
		let t = this.state;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	}
	/** An integer in [min, max]. */
	int(min: number, max: number): number {
		return min + Math.floor(this.next() * (max - min + 1));
	}
	pick<T>(values: readonly T[]): T {
		return values[Math.floor(this.next() * values.length)];
	}
}

/** The mailbox users this run owns (docs/design.md, "Tests own their mailboxes"). */
export const USERS = {
	/** Sends the kill runs and the SMTP fault runs. */
	killSender: 'u101',
	/** Receives the kill and SMTP-fault phases' mail (plus-addresses). */
	killRecipients: ['u102'],
	/** Sends the overlapping pairs (its Sent is emptied before each pair, so the day's count starts at 0). */
	overlapSender: 'u103',
	/** Sends the paced runs the trigger watches the replies of. */
	imapSender: 'u104',
	overlapRecipients: ['u105', 'u106', 'u107'],
	imapRecipients: ['u108', 'u109', 'u110'],
	/**
	 * Sends the no-keywords phase's kill runs and pairs: an Exchange-like user whose folders keep no custom
	 * keywords (PERMANENTFLAGS without \*, as Exchange Online), so claims carry no $SeqClaim/$SeqSent.
	 */
	noKeywordSender: 'exo09',
} as const;

export const ALL_USERS = ['u101', 'u102', 'u103', 'u104', 'u105', 'u106', 'u107', 'u108', 'u109', 'u110', 'exo09'];

/** Where a worker's node connects (the chaos run may put a proxy in front of either server). */
export interface Endpoints {
	imap: { port: number; security: 'tls' | 'none' };
	smtp: { port: number; security: 'tls' | 'none' };
}

/** Direct connections to the stack, TLS as a user would configure them. */
export function directEndpoints(): Endpoints {
	return { imap: { port: stack.imapsPort, security: 'tls' }, smtp: { port: stack.smtpsPort, security: 'tls' } };
}

/** One SMTP Sequence execution, as a worker runs it in n8n-core's engine. */
export interface RunSpec {
	sender: string;
	sequenceKey: string;
	prospects: string[];
	/** Number of steps; every wait is 0 minutes, so each run sends every prospect its next step. */
	steps: number;
	pacing: { minSeconds: number; maxSeconds: number };
	dailyLimit: number;
	endpoints: Endpoints;
	/** For log lines only. */
	label: string;
}

/** What a run reported (used to choose whom to kill or who replies, never to count). */
export interface RunOutcome {
	statuses: { email: string; status: string; step?: number; unconfirmed?: boolean; error?: string }[];
	error?: string;
}

/** The Message-ID the node gives (key, prospect, step) on the stack's domain. */
export function stepId(sequenceKey: string, prospect: string, step: number): string {
	return sequenceMessageId(sequenceKey, prospect, step, stack.domain);
}

/** `count` plus-addresses spread over `users` (Postfix delivers user+tag to user). */
export function prospectsOf(users: readonly string[], tag: string, count: number): string[] {
	return Array.from({ length: count }, (_, i) => `${users[i % users.length]}+${tag}p${i}@${stack.domain}`);
}

export { addressOf };
