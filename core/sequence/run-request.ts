/**
 * What one run of the SMTP Sequence node is asked to do: the shapes the node builds from its parameters
 * and the transport executes. They live in the core because both sides use them and neither owns them.
 */
import type { ParsedAddress } from '../mail/address';
import type { MailboxSettings } from '../mailbox/settings';
import type { SequenceOptions } from './options';
import type { RenderedStep } from './render';
import type { StepTiming } from './schedule';
import type { StepVariants } from './variants';

/** One step of the sequence as the run needs it (templates are rendered through `render`). */
export interface StepDefinition extends StepTiming, StepVariants {
	/** Follow-ups answer the previous step (In-Reply-To/References). Ignored for step 1. */
	replyInThread: boolean;
}

/** A prospect of the run, already validated by the node. */
export interface RunProspect {
	/** Index of the input item. */
	index: number;
	address: ParsedAddress;
	name: string;
	timeZone?: string;
	stop: boolean;
	replied: boolean;
	/** The message options that belong to this prospect (evaluated for its item). */
	message: ProspectMessage;
}

/**
 * Message options evaluated per item: each prospect's From name, Reply-To, unsubscribe links and footer
 * (an unsubscribe URL like `…?e={{ $json.email }}` must be the prospect's own).
 */
export interface ProspectMessage {
	fromName: string;
	replyTo?: string;
	/** `address?subject=unsubscribe`, without the scheme. */
	unsubscribeMailto: string;
	unsubscribeUrl?: string;
	footer?: string;
	/** The prospect's signed unsubscribe link, shown after the footer (Unsubscribe Webhook URL). */
	footerLink?: string;
}

/**
 * Message options that hold for the whole sequence (read from the first item): they decide where the
 * ledger is and how its Message-IDs look, so they cannot differ between prospects of one run.
 */
export interface MessageOptions {
	/** Keep our APPENDed copy when the provider also files one (auto: unless the provider files itself). */
	keepOwnSentCopy: boolean;
	messageIdDomain: string;
	checkJunk: boolean;
}

/**
 * Renders step `step` for the prospect of item `index` (`variant` 0 = A, for a step with variants);
 * throws InputError (missing variable …).
 */
export type RenderStepFn = (index: number, step: number, threadSubject: string | undefined, variant?: number) => RenderedStep;

/** Everything one run needs. */
export interface RunRequest {
	operation: 'send' | 'preview';
	sequenceKey: string;
	settings: MailboxSettings;
	steps: StepDefinition[];
	options: SequenceOptions;
	message: MessageOptions;
	prospects: RunProspect[];
	render: RenderStepFn;
	/**
	 * Stop at the first failed prospect (the node's default when "Continue On Fail" is off). Templates of
	 * all due prospects are rendered before anything is sent, so a missing variable fails the run before
	 * the first email rather than halfway through it.
	 */
	failFast?: boolean;
	/** Transport tunables; every field has a production default (tests shorten them). */
	tuning?: RunTuning;
}

/** Transport tunables of a run. */
export interface RunTuning {
	/**
	 * Silence on the SMTP socket before giving up, also while waiting for the answer after DATA.
	 * @default 60 s (`SMTP_SOCKET_TIMEOUT_MS`)
	 */
	smtpSocketTimeoutMs?: number;
}

/** Where the run's warnings go (n8n's logger in the node). */
export interface RunLog {
	warn(message: string): void;
}

/** Injected time, chance and logging. */
export interface RunEnvironment {
	now(): Date;
	sleep(ms: number): Promise<void>;
	random(): number;
	/** Warnings from the mail libraries (e.g. flags the server would not keep). Silent without. */
	log?: RunLog;
	/**
	 * Aborted when the n8n execution is stopped: no further send starts, a claim not yet sent is
	 * released, and `sleep` should return early (the node's does). A transaction already in flight ends
	 * normally — cutting it could leave the outcome unknown.
	 */
	cancel?: AbortSignal;
}
