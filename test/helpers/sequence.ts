/**
 * Builds SMTP Sequence run requests for tests without n8n (the workflow tests cover the node), and reads
 * what arrived in a stack user's mailbox.
 */
import nodemailer from 'nodemailer';
import type { ImapFlow } from 'imapflow';
import { parseAddress } from '../../core/mail/address';
import { resolveOptions, type SequenceOptionsInput } from '../../core/sequence/options';
import { renderStep, type StepTemplate } from '../../core/sequence/render';
import { spintaxSeed } from '../../core/sequence/spintax';
import type { Wait } from '../../core/sequence/schedule';
import { createImapClient } from '../../transport/imap-client';
import type { RunEnvironment, RunRequest } from '../../core/sequence/run-request';
import type { ProspectResult } from '../../core/sequence/run-result';
import { runSequence } from '../../transport/sequence-run';
import { addressOf, settingsFor, stack, stackCa } from './mailstack';

/** A step for tests: templates use `{{ name }}`-style lookups into the prospect's fields. */
export interface TestStep extends StepTemplate {
	wait?: Wait;
	replyInThread?: boolean;
	/** A/B variants B, C … (the step's own template is A). */
	variants?: StepTemplate[];
	variantChoice?: 'own' | 'follow';
}

/** Evaluates `{{ key }}` against a flat record, as n8n would evaluate `{{ $json.key }}`. */
function evaluator(fields: Record<string, unknown>) {
	return (expression: string) => fields[expression.replace(/^\{\{\s*|\s*\}\}$/g, '').replace(/^\$json\./, '')];
}

/** A run request for `sender` (a stack user) and prospects given as addresses or field records. */
export function sequenceRequest(options: {
	sender: string;
	sequenceKey: string;
	steps: TestStep[];
	prospects: (string | Record<string, unknown>)[];
	operation?: 'send' | 'preview';
	settings?: SequenceOptionsInput;
	failFast?: boolean;
}): RunRequest {
	const settings = settingsFor(options.sender);
	const records = options.prospects.map((p) => (typeof p === 'string' ? { email: p } : p));
	const seqOptions = resolveOptions(
		{ pacingMinSeconds: 0, pacingMaxSeconds: 0, maxPerRun: 1000, dailyLimit: 1000, window: { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' }, ...options.settings },
		'UTC',
	);
	return {
		operation: options.operation ?? 'send',
		sequenceKey: options.sequenceKey,
		settings,
		steps: options.steps.map((s) => ({
			wait: s.wait ?? { amount: 0, unit: 'minutes' },
			replyInThread: s.replyInThread ?? true,
			...(s.variants?.length ? { variants: s.variants.length + 1, variantChoice: s.variantChoice ?? 'follow' } : {}),
		})),
		options: seqOptions,
		message: {
			keepOwnSentCopy: true,
			messageIdDomain: stack.domain,
			checkJunk: true,
		},
		prospects: records.map((r, index) => ({
			index,
			address: parseAddress(String(r.email), 'email'),
			name: String(r.name ?? ''),
			stop: r.stop === true,
			replied: false,
			message: { fromName: 'Sender', unsubscribeMailto: `${settings.email}?subject=unsubscribe` },
			...(typeof r.timeZone === 'string' ? { timeZone: r.timeZone } : {}),
		})),
		render: (index, step, threadSubject, variant) =>
			renderStep(variant ? (options.steps[step - 1].variants?.[variant - 1] ?? options.steps[step - 1]) : options.steps[step - 1], evaluator(records[index]), {
				step,
				seed: spintaxSeed(options.sequenceKey, String(records[index].email), step),
				threadSubject,
				maxBodyBytes: seqOptions.maxBodyBytes,
			}),
		failFast: options.failFast,
	};
}

/** An environment whose clock reads `at()` and whose sleeps only move that clock forward. */
export function simulatedClock(start: Date): RunEnvironment & { set(at: Date): void; slept: number[] } {
	let now = start.getTime();
	const slept: number[] = [];
	return {
		now: () => new Date(now),
		sleep: async (ms) => {
			slept.push(ms);
			now += ms;
		},
		random: () => 0.5,
		set: (at) => {
			now = at.getTime();
		},
		slept,
	};
}

/** Runs with a simulated clock. */
export function runAt(request: RunRequest, at: Date): Promise<ProspectResult[]> {
	return runSequence(request, simulatedClock(at));
}

/** A message as a test reads it from a mailbox. */
export interface ReceivedMessage {
	uid: number;
	messageId: string;
	subject: string;
	from: string;
	headers: string;
	flags: string[];
	source: string;
}

/** Every message in `folder` of a stack user. */
export async function readMailbox(user: string, folder = 'INBOX'): Promise<ReceivedMessage[]> {
	const client: ImapFlow = createImapClient(settingsFor(user));
	await client.connect();
	try {
		const box = await client.mailboxOpen(folder, { readOnly: true });
		if (box.exists === 0) return [];
		const messages = await client.fetchAll('1:*', { uid: true, envelope: true, flags: true, source: true });
		return messages.map((m) => {
			const source = m.source?.toString('utf8') ?? '';
			return {
				uid: m.uid,
				messageId: m.envelope?.messageId ?? '',
				subject: m.envelope?.subject ?? '',
				from: m.envelope?.from?.[0]?.address ?? '',
				headers: source.slice(0, source.indexOf('\r\n\r\n')),
				flags: [...(m.flags ?? [])],
				source,
			};
		});
	} finally {
		await client.logout();
	}
}

/** Polls `folder` until `predicate` holds for some message (mail delivery takes a moment). */
export async function waitForMessage(user: string, predicate: (m: ReceivedMessage) => boolean, folder = 'INBOX', timeoutMs = 20_000): Promise<ReceivedMessage> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const found = (await readMailbox(user, folder)).find(predicate);
		if (found) return found;
		if (Date.now() > deadline) throw new Error(`no matching message in ${addressOf(user)} ${folder} within ${timeoutMs} ms`);
		await new Promise((r) => setTimeout(r, 250));
	}
}

/**
 * Sends a reply from a stack user (as the prospect would, from their own mail client). With `inReplyTo`
 * null it is a new email that breaks the thread (no In-Reply-To / References).
 */
export async function replyFrom(user: string, to: string, inReplyTo: string | null, options: { subject?: string; text?: string; references?: string[]; headers?: Record<string, string> } = {}) {
	const transport = nodemailer.createTransport({
		host: stack.host,
		port: stack.submissionPort,
		secure: false,
		requireTLS: true,
		auth: { user: addressOf(user), pass: stack.password },
		tls: { ca: stackCa() },
	});
	try {
		return await transport.sendMail({
			from: addressOf(user),
			to,
			subject: options.subject ?? 'Re: hello',
			text: options.text ?? 'Thanks, not right now.\n\nOn Mon, someone wrote:\n> hello',
			...(inReplyTo === null ? {} : { inReplyTo, references: options.references ?? [inReplyTo] }),
			headers: options.headers,
		});
	} finally {
		transport.close();
	}
}
