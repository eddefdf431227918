/**
 * One run of the SMTP Sequence node: open the mailbox sessions, read the ledger, decide every prospect,
 * render the due steps, then send them (`send-pipeline.ts`). Clock, sleep and randomness are injected;
 * the decisions themselves are the pure core's.
 */
import { asSequenceError } from '../core/errors';
import type { Decision } from '../core/sequence/decide';
import { withFooter } from '../core/sequence/footer';
import type { RenderedStep } from '../core/sequence/render';
import type { RunEnvironment, RunProspect, RunRequest } from '../core/sequence/run-request';
import { baseResult, decisionResult, failedResult, type ProspectResult } from '../core/sequence/run-result';
import { previewProspect, type PreviewOfProspect } from '../core/sequence/preview';
import { variantName } from '../core/mail/message-id';
import { stepMessageId, variantOf } from '../core/sequence/variants';
import { ConfirmQueue } from './confirm-queue';
import { imapWorkError } from './imap-uids';
import { LedgerView } from './ledger-view';
import { MailboxSessions } from './mailbox-sessions';
import { SendPipeline, variantField } from './send-pipeline';

/** Runs the sequence for all prospects; never throws for a per-prospect problem. */
export async function runSequence(request: RunRequest, env: RunEnvironment): Promise<ProspectResult[]> {
	const { prospects, operation, message, sequenceKey } = request;
	const startedAt = env.now();
	let sessions: MailboxSessions;
	let view: LedgerView;
	let sentToday: number;
	// a refusal at the mailbox's connection limit is waited out within the run's own time budget
	const wait = {
		deadline: startedAt.getTime() + request.options.maxRunMinutes * 60_000,
		now: () => env.now().getTime(),
		sleep: env.sleep,
		random: env.random,
	};
	try {
		sessions = await MailboxSessions.open(request.settings, { operation, checkJunk: message.checkJunk }, { log: env.log, wait });
	} catch (error) {
		const failure = imapWorkError(error, 'opening the mailbox');
		return prospects.map((p) => failedResult(baseResult(p.index, p.address.address, sequenceKey, []), failure));
	}
	try {
		view = new LedgerView(request, sessions);
		sentToday = await view.load(operation, message.keepOwnSentCopy, env.now());
	} catch (error) {
		const failure = imapWorkError(error, 'reading the ledger');
		await sessions.close();
		return prospects.map((p) => failedResult(baseResult(p.index, p.address.address, sequenceKey, []), failure));
	}

	const render = (prospect: RunProspect, step: number): RenderedStep =>
		withFooter(
			request.render(prospect.index, step, view.threadSubject(prospect), variantOf(sequenceKey, prospect.address.address, step, request.steps)),
			prospect.message.footer,
			prospect.message.footerLink,
		);
	const rendered = new Map<number, { step: number; email: RenderedStep }>();
	// the confirmation session exists only once the run sends; the queue resolves it when it stores
	const confirms = new ConfirmQueue(() => sessions.confirm ?? sessions.sent, sessions.sentKeepsKeywords);
	if (!sessions.sentKeepsKeywords) warnNoKeywords(request, sessions.sentPath, env);
	const pipeline = new SendPipeline(request, env, view, sessions, confirms, render, startedAt, sentToday, rendered);
	// the connections for sending open while the due steps render (never rejects: the error, if any)
	let opened: Promise<unknown> = Promise.resolve();
	try {
		const results = new Map<number, ProspectResult>();
		const due: { prospect: RunProspect; decision: Decision & { status: 'due' } }[] = [];
		const now = env.now();
		for (const prospect of prospects) {
			let decision: Decision;
			try {
				decision = pipeline.decideFor(prospect, now);
			} catch (error) {
				// the node checks what it can when it reads parameters; anything left fails this item only
				results.set(prospect.index, failedResult(view.base(prospect), asSequenceError(error)));
				continue;
			}
			if (operation === 'preview') results.set(prospect.index, preview(request, view, prospect, decision, now));
			else if (decision.status === 'due') due.push({ prospect, decision });
			else results.set(prospect.index, decisionResult(view.base(prospect), decision));
		}
		// a step is due: the two other IMAP sessions log in (a few round trips each) while the due steps
		// render, and the SMTP connection while the first step is claimed
		if (operation === 'send' && due.length > 0) {
			opened = sessions.openForSending().then(
				() => {
					pipeline.warmUp();
					return undefined;
				},
				(error: unknown) => error,
			);
		}
		// every due step is rendered before the first send, so a missing variable stops a fail-fast run early
		for (const [i, { prospect, decision }] of due.entries()) {
			// rendering is CPU only: let the logins above go on meanwhile
			if (i % RENDER_SLICE === RENDER_SLICE - 1) await new Promise<void>((resolve) => setImmediate(resolve));
			try {
				rendered.set(prospect.index, { step: decision.step, email: render(prospect, decision.step) });
			} catch (error) {
				results.set(prospect.index, failedResult(view.base(prospect), asSequenceError(error), decision.step));
				if (request.failFast) return [...results.values()];
			}
		}
		const sendable = due.map((d) => d.prospect).filter((p) => !results.has(p.index));
		const notOpened = await opened;
		if (sendable.length > 0) {
			if (notOpened !== undefined) {
				const failure = imapWorkError(notOpened, 'opening the connections for sending');
				for (const { prospect, decision } of due) {
					if (!results.has(prospect.index)) results.set(prospect.index, failedResult(view.base(prospect), failure, decision.step));
				}
				return prospects.map((p) => results.get(p.index) as ProspectResult);
			}
		}
		const stopped = await pipeline.sendAll(sendable, results);
		// what was sent, for the output (the step rendered before sending, else rendered again: the same text)
		for (const prospect of prospects) {
			const result = results.get(prospect.index);
			if (result?.status !== 'sent' || result.step === undefined) continue;
			const early = rendered.get(prospect.index);
			try {
				const email = early && early.step === result.step ? early.email : render(prospect, result.step);
				result.sentEmail = { subject: email.subject, text: email.text, ...(email.html ? { html: email.html } : {}) };
			} catch {
				// it rendered when it was sent; nothing to add if the template cannot be rendered now
			}
		}
		if (stopped) return [...results.values()];
		return prospects.map((p) => results.get(p.index) as ProspectResult);
	} finally {
		// sessions still logging in (a fail-fast run that stopped while rendering) are closed with the others
		await opened;
		await confirms.flush();
		await pipeline.close();
		await sessions.close();
	}
}

/** Due steps rendered between two turns of the event loop (so the logins of `openForSending` progress). */
const RENDER_SLICE = 4;

/** Mailboxes (account and Sent folder) already warned about in this process: once is enough. */
const warnedNoKeywords = new Set<string>();

/**
 * Sent keeps no custom keywords (Exchange Online; `keepsKeywords`): the run works without them and says
 * so in n8n's log, once per mailbox and process (docs/design.md, "Sent without custom keywords").
 */
function warnNoKeywords(request: RunRequest, sentPath: string, env: RunEnvironment): void {
	const { imap, user, email } = request.settings;
	const key = `${imap.host}:${imap.port}:${user}\n${sentPath}`.toLowerCase();
	if (warnedNoKeywords.has(key)) return;
	warnedNoKeywords.add(key);
	env.log?.warn(
		`Sent folder "${sentPath}" of ${email} keeps no custom keywords (no \\* in PERMANENTFLAGS, as on Exchange Online): steps are still sent at most once and the daily limit still holds (the copies in Sent decide), but a step whose SMTP answer was lost cannot be reported as unconfirmed, and copies the provider files itself are not de-duplicated.`,
	);
}

/**
 * Preview: the decision, plus every step for the prospect — sent ones with their date, remaining ones
 * rendered with the date each would go out. A remaining step that cannot be rendered fails this prospect
 * (naming the step and the variable) and still shows the other steps.
 */
function preview(
	request: RunRequest,
	view: LedgerView,
	prospect: RunProspect,
	decision: Decision,
	now: Date,
): ProspectResult {
	const result = decisionResult(view.base(prospect), decision);
	const { sequenceKey, steps, options, message } = request;
	let details: PreviewOfProspect;
	try {
		details = previewProspect({
			state: view.stateOf(prospect),
			steps,
			decision,
			now,
			window: options.window,
			prospectTimeZone: prospect.timeZone,
			render: (step, threadSubject) =>
				withFooter(
					request.render(prospect.index, step, view.threadSubject(prospect) ?? threadSubject, variantOf(sequenceKey, prospect.address.address, step, steps)),
					prospect.message.footer,
				),
		});
	} catch (error) {
		return failedResult(view.base(prospect), asSequenceError(error));
	}
	// each step's A/B variant: the letter a sent step went out with, else the one it will get
	const state = view.stateOf(prospect);
	for (const entry of details.steps) {
		const sent = entry.status === 'sent' ? state.steps.find((s) => s.step === entry.step) : undefined;
		const letter = variantName(sent ? sent.variant : variantOf(sequenceKey, prospect.address.address, entry.step, steps));
		if (letter) entry.variant = letter;
	}
	const next = details.steps.find((s) => s.status !== 'sent');
	if (!next) return { ...result, preview: { steps: details.steps } };
	const messageId = stepMessageId(sequenceKey, prospect.address.address, next.step, steps, message.messageIdDomain);
	const previewed: ProspectResult = {
		...result,
		step: next.step,
		...variantField(messageId),
		messageId,
		nextStepAt: next.at,
		preview: { steps: details.steps, next },
	};
	if (!details.firstError) return previewed;
	const { step, error } = details.firstError;
	return { ...previewed, status: 'failed', reason: error.message, error, step };
}
