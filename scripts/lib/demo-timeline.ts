/**
 * The demo's story, read back from where it happened: n8n's executions (public API) of the sequence
 * and reply workflows, plus what the demo itself did in the prospects' mailboxes. Pure functions over
 * that data: a sorted timeline of readable lines, and the check that the story went as told.
 */
import type { N8nExecution } from '../../e2e/lib/n8n-server';

/** One output item of the SMTP Sequence node (the fields the demo reads). */
export interface SequenceItem {
	email: string;
	status: string;
	stopReason: string | null;
	step: number | null;
	messageId: string | null;
	sentAt: string | null;
	nextStepAt: string | null;
	reason: string;
}

/** One item the IMAP Reply Trigger emitted. */
export interface TriggerItem {
	class: string;
	prospectEmail: string | null;
	step: number | null;
	sequenceKey: string | null;
	subject: string;
	bounceStatus: string | null;
	/** What the workflow's branch for this class made of it (the demo's Set nodes write `outcome`). */
	outcome: string | null;
}

/** One line of the timeline. */
export interface TimelineEvent {
	at: Date;
	/** Stable identity, so a live printer shows each event once. */
	key: string;
	text: string;
}

/** Something the demo did itself (the prospect's reply). */
export interface DemoAction {
	at: Date;
	text: string;
}

type Json = Record<string, unknown>;

function nodeItems(execution: N8nExecution, node: string): Json[] {
	const runs = execution.data?.resultData.runData[node] ?? [];
	return runs.flatMap((run) => (run.data?.main?.[0] ?? []).map((item) => item.json));
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export function sequenceItems(execution: N8nExecution, node: string): SequenceItem[] {
	return nodeItems(execution, node).map((j) => ({
		email: str(j.email) ?? '',
		status: str(j.status) ?? '',
		stopReason: str(j.stopReason),
		step: num(j.step),
		messageId: str(j.messageId),
		sentAt: str(j.sentAt),
		nextStepAt: str(j.nextStepAt),
		reason: str(j.reason) ?? '',
	}));
}

export function triggerItems(execution: N8nExecution, node: string): TriggerItem[] {
	// a branch labels the outcome: a Set node's `outcome` for `prospect`, or the Data table row it updated
	const labelled = Object.keys(execution.data?.resultData.runData ?? {})
		.filter((name) => name !== node)
		.flatMap((name) => nodeItems(execution, name))
		.flatMap((j) => {
			if (typeof j.outcome === 'string') return [{ prospect: j.prospect, outcome: j.outcome }];
			if (typeof j.status === 'string' && typeof j.email === 'string' && 'id' in j) return [{ prospect: j.email, outcome: j.status }];
			return [];
		});
	return nodeItems(execution, node).map((j) => {
		const bounce = j.bounce as Json | undefined;
		const label = labelled.find((l) => l.prospect === j.prospectEmail);
		return {
			outcome: label ? label.outcome : null,
			class: str(j.class) ?? '',
			prospectEmail: str(j.prospectEmail),
			step: num(j.step),
			sequenceKey: str(j.sequenceKey),
			subject: str(j.subject) ?? '',
			bounceStatus: bounce ? `${str(bounce.status) ?? '?'} ${bounce.hard === true ? 'hard' : 'soft'}` : null,
		};
	});
}

/** Executions oldest first, numbered from 1 (the run numbers the timeline shows). */
function chronological(executions: N8nExecution[]): N8nExecution[] {
	return [...executions].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt) || Number(a.id) - Number(b.id));
}

export function clock(date: Date): string {
	return date.toTimeString().slice(0, 8);
}

function executionError(execution: N8nExecution): string | null {
	const result = execution.data?.resultData;
	if (result?.error) return result.error.message;
	for (const [node, runs] of Object.entries(result?.runData ?? {})) {
		const failed = runs.find((run) => run.error);
		if (failed?.error) return `${node}: ${failed.error.message}`;
	}
	return execution.status === 'error' || execution.status === 'crashed' ? `execution ${execution.status}` : null;
}

function describeItem(item: SequenceItem): string {
	switch (item.status) {
		case 'sent':
			return `step ${item.step} → ${item.email} (sent${item.messageId ? `, ${item.messageId}` : ''})`;
		case 'stopped':
			return `${item.email}: stopped (${item.stopReason ?? 'no reason'}), nothing more will be sent`;
		case 'notDue':
			return `${item.email}: step ${item.step ?? 'next'} not due until ${item.nextStepAt ? clock(new Date(item.nextStepAt)) : '?'}`;
		case 'completed':
			return `${item.email}: completed (every step sent)`;
		default:
			return `${item.email}: ${item.status} — ${item.reason}`;
	}
}

/** Same outcome as the run before (still not due for the same step, still stopped for the same reason …). */
function sameState(a: SequenceItem, b: SequenceItem): boolean {
	return a.status !== 'sent' && a.status === b.status && a.stopReason === b.stopReason && a.step === b.step && a.nextStepAt === b.nextStepAt;
}

/**
 * Timeline lines of the sequence workflow's executions: one per prospect and run, except runs that
 * changed nothing for that prospect.
 */
export function sequenceEvents(executions: N8nExecution[], node: string): TimelineEvent[] {
	const events: TimelineEvent[] = [];
	const last = new Map<string, SequenceItem>();
	chronological(executions).forEach((execution, i) => {
		const run = `run #${i + 1}`;
		const started = new Date(execution.startedAt);
		const error = executionError(execution);
		if (error) events.push({ at: started, key: `seq:${execution.id}:error`, text: `${run}  FAILED: ${error}` });
		for (const item of sequenceItems(execution, node)) {
			const previous = last.get(item.email);
			last.set(item.email, item);
			// A schedule runs often: a prospect whose state did not change since the last run is not news.
			if (previous && sameState(previous, item)) continue;
			const at = item.status === 'sent' && item.sentAt ? new Date(item.sentAt) : started;
			events.push({ at, key: `seq:${execution.id}:${item.email}`, text: `${run}  ${describeItem(item)}` });
		}
	});
	return events;
}

/** Timeline lines of the reply workflow's executions (one per emitted item). */
export function triggerEvents(executions: N8nExecution[], node: string): TimelineEvent[] {
	const events: TimelineEvent[] = [];
	for (const execution of chronological(executions)) {
		const at = new Date(execution.startedAt);
		const error = executionError(execution);
		if (error) events.push({ at, key: `trg:${execution.id}:error`, text: `trigger  FAILED: ${error}` });
		triggerItems(execution, node).forEach((item, i) => {
			const what = item.class === 'bounce' ? `bounce for ${item.prospectEmail} (${item.bounceStatus})` : `${item.class} from ${item.prospectEmail}`;
			const step = item.step !== null ? `, answers step ${item.step}` : '';
			const outcome = item.outcome ? ` → labelled "${item.outcome}"` : '';
			events.push({ at, key: `trg:${execution.id}:${i}`, text: `trigger  ${what}${step} → emitted class=${item.class}${outcome}` });
		});
	}
	return events;
}

/** Everything, in time order. */
export function timeline(parts: { sequence: N8nExecution[]; replies: N8nExecution[]; actions: DemoAction[] }, nodes: { sequence: string; trigger: string }): TimelineEvent[] {
	const actions = parts.actions.map((a, i) => ({ at: a.at, key: `act:${i}`, text: `mailbox  ${a.text}` }));
	return [...sequenceEvents(parts.sequence, nodes.sequence), ...triggerEvents(parts.replies, nodes.trigger), ...actions].sort(
		(a, b) => a.at.getTime() - b.at.getTime(),
	);
}

export function formatEvent(event: TimelineEvent): string {
	return `${clock(event.at)}  ${event.text}`;
}

/** What the prospects' mailboxes hold at the end (messages from the sender, oldest first). */
export interface Received {
	messageId: string;
	inReplyTo: string;
}

/** The facts the story check needs. */
export interface StoryFacts {
	sequence: N8nExecution[];
	replies: N8nExecution[];
	received: Record<string, Received[]>;
	replier: string;
	follower: string;
	bouncing: string;
}

/**
 * The story as told: the replier got exactly step 1 and was stopped (replied); the follower got steps 1
 * and 2, step 2 In-Reply-To step 1; the bouncing address got step 1 only and was stopped (bounced); the
 * trigger emitted the reply and the bounce with the right class and prospect; no execution failed.
 * Returns the reasons it did not go that way (empty = as told).
 */
export function checkStory(facts: StoryFacts, nodes: { sequence: string; trigger: string }): string[] {
	const problems: string[] = [];
	const items = chronological(facts.sequence).flatMap((e) => sequenceItems(e, nodes.sequence));
	const emitted = facts.replies.flatMap((e) => triggerItems(e, nodes.trigger));
	const sentSteps = (email: string) => items.filter((i) => i.email === email && i.status === 'sent').map((i) => i.step);
	const stoppedFor = (email: string, reason: string) => items.some((i) => i.email === email && i.status === 'stopped' && i.stopReason === reason);

	for (const execution of [...facts.sequence, ...facts.replies]) {
		const error = executionError(execution);
		if (error) problems.push(`execution ${execution.id} (workflow ${execution.workflowId}) failed: ${error}`);
	}

	const replierGot = facts.received[facts.replier] ?? [];
	if (replierGot.length !== 1) problems.push(`${facts.replier} received ${replierGot.length} sequence emails, expected exactly 1 (step 1)`);
	if (JSON.stringify(sentSteps(facts.replier)) !== '[1]') problems.push(`${facts.replier}: steps sent ${JSON.stringify(sentSteps(facts.replier))}, expected [1]`);
	if (!stoppedFor(facts.replier, 'replied')) problems.push(`${facts.replier} was never reported stopped (replied)`);

	const followerGot = facts.received[facts.follower] ?? [];
	if (followerGot.length !== 2) {
		problems.push(`${facts.follower} received ${followerGot.length} sequence emails, expected 2 (steps 1 and 2)`);
	} else if (followerGot[1].inReplyTo !== followerGot[0].messageId) {
		problems.push(`${facts.follower}: step 2 In-Reply-To is "${followerGot[1].inReplyTo}", expected step 1's Message-ID "${followerGot[0].messageId}"`);
	}
	if (JSON.stringify(sentSteps(facts.follower)) !== '[1,2]') problems.push(`${facts.follower}: steps sent ${JSON.stringify(sentSteps(facts.follower))}, expected [1,2]`);

	if (JSON.stringify(sentSteps(facts.bouncing)) !== '[1]') problems.push(`${facts.bouncing}: steps sent ${JSON.stringify(sentSteps(facts.bouncing))}, expected [1]`);
	if (!stoppedFor(facts.bouncing, 'bounced')) problems.push(`${facts.bouncing} was never reported stopped (bounced)`);

	const emittedFor = (cls: string, email: string) => emitted.filter((e) => e.class === cls && e.prospectEmail === email).length;
	if (emittedFor('reply', facts.replier) !== 1) problems.push(`the trigger emitted ${emittedFor('reply', facts.replier)} reply item(s) for ${facts.replier}, expected 1`);
	if (emittedFor('bounce', facts.bouncing) !== 1) problems.push(`the trigger emitted ${emittedFor('bounce', facts.bouncing)} bounce item(s) for ${facts.bouncing}, expected 1`);
	const outcomeOf = (cls: string, email: string) => emitted.find((e) => e.class === cls && e.prospectEmail === email)?.outcome;
	if (emittedFor('reply', facts.replier) === 1 && outcomeOf('reply', facts.replier) !== 'replied') {
		problems.push(`the reply workflow's branch labelled the reply "${outcomeOf('reply', facts.replier)}", expected "replied"`);
	}
	if (emittedFor('bounce', facts.bouncing) === 1 && outcomeOf('bounce', facts.bouncing) !== 'bounced') {
		problems.push(`the reply workflow's branch labelled the bounce "${outcomeOf('bounce', facts.bouncing)}", expected "bounced"`);
	}
	const unexpected = emitted.filter(
		(e) => !(e.class === 'reply' && e.prospectEmail === facts.replier) && !(e.class === 'bounce' && e.prospectEmail === facts.bouncing),
	);
	for (const e of unexpected) problems.push(`the trigger emitted an unexpected item: class=${e.class} prospect=${e.prospectEmail}`);
	return problems;
}

/** True once the story has played out far enough to be checked. */
export function storyComplete(facts: Pick<StoryFacts, 'sequence' | 'replies' | 'replier' | 'follower' | 'bouncing'>, nodes: { sequence: string; trigger: string }): boolean {
	const items = facts.sequence.flatMap((e) => sequenceItems(e, nodes.sequence));
	const emitted = facts.replies.flatMap((e) => triggerItems(e, nodes.trigger));
	return (
		items.some((i) => i.email === facts.follower && i.status === 'sent' && i.step === 2) &&
		items.some((i) => i.email === facts.replier && i.status === 'stopped') &&
		items.some((i) => i.email === facts.bouncing && i.status === 'stopped') &&
		emitted.some((e) => e.class === 'reply') &&
		emitted.some((e) => e.class === 'bounce')
	);
}

/** A row of the demo's data table (the CRM), as n8n's API returns it. */
export type CrmRow = Record<string, string | number | boolean | null>;

/**
 * The CRM after the story: the replier's row `replied`, the bouncing address's `bounced`, the follower's
 * at step 2 (`sent`, or `completed` once a later run found nothing left). Returns what differs.
 */
export function checkCrmRows(rows: readonly CrmRow[], facts: Pick<StoryFacts, 'replier' | 'follower' | 'bouncing'>): string[] {
	const problems: string[] = [];
	const row = (email: string) => rows.find((r) => r.email === email);
	const expect = (email: string, ok: (r: CrmRow) => boolean, wanted: string) => {
		const r = row(email);
		if (!r) problems.push(`the data table has no row for ${email}`);
		else if (!ok(r)) problems.push(`the data table row of ${email} says status=${String(r.status)} step=${String(r.step)}, expected ${wanted}`);
	};
	expect(facts.replier, (r) => r.status === 'replied' && r.step === 1, 'status=replied step=1');
	expect(facts.bouncing, (r) => r.status === 'bounced' && r.step === 1, 'status=bounced step=1');
	expect(facts.follower, (r) => (r.status === 'sent' || r.status === 'completed') && r.step === 2, 'status=sent (or completed) step=2');
	return problems;
}

/** The rows as the demo prints them: one line each. */
export function formatCrmRows(rows: readonly CrmRow[]): string[] {
	return rows.map((r) => `${String(r.email).padEnd(28)} status=${String(r.status).padEnd(13)} step=${String(r.step)}  nextStepAt=${r.nextStepAt ? String(r.nextStepAt) : '-'}`);
}
