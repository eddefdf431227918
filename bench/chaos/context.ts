/** The state one chaos run threads through its phases. */
import type { ChaosOptions, Rng } from './setup';
import type { SentReply, SequencePlan } from './verdict';

export interface ChaosContext {
	options: ChaosOptions;
	rng: Rng;
	log(message: string): void;
	/** Every sequence run, for counting from the mailboxes at the end. */
	plans: SequencePlan[];
	/** Every reply sent. */
	replies: SentReply[];
	/** Fault counters: what was actually injected (a kill that came too late is not counted). */
	faults: {
		killRuns: number;
		killPoints: Record<string, number>;
		overlapRuns: number;
		smtpFaults: number;
		smtpFaultKinds: Record<string, number>;
		imapKicks: number;
		serverRestarts: number;
		/** The no-keywords phase (an Exchange-like sender): kills at their point, and pairs. */
		noKeywordKills: number;
		noKeywordKillPoints: Record<string, number>;
		noKeywordPairs: number;
	};
	/** Connections found open after each phase, by phase. */
	leaks: Record<string, { sessions: number; sockets: number; leaked: number }>;
	/** Message-IDs of every item the trigger emitted. */
	emitted: string[];
}
