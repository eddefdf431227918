/**
 * Preview's plan of every step for one prospect (pure): which steps are rendered, which error fails the
 * prospect, and when a stopped prospect shows nothing more.
 */
import { DateTime } from 'luxon';
import { InputError } from '../../../core/errors';
import type { Decision } from '../../../core/sequence/decide';
import type { ProspectState } from '../../../core/sequence/ledger';
import { previewProspect } from '../../../core/sequence/preview';

const window = { days: [1, 2, 3, 4, 5, 6, 7], from: '00:00', to: '24:00', timeZone: 'UTC' };
const steps = [{ wait: { amount: 0, unit: 'days' as const } }, { wait: { amount: 2, unit: 'days' as const } }, { wait: { amount: 3, unit: 'days' as const } }];
const now = new Date('2026-03-02T10:00:00Z');
const sentStep1 = { step: 1, messageId: '<sq.1@example.test>', sentAt: DateTime.fromISO('2026-03-01T09:00:00Z') };

function state(sent: ProspectState['steps']): ProspectState {
	return { sequenceHash: 's', prospectHash: 'p', address: 'ann@example.test', steps: sent, lastStep: sent.length, ...(sent[0] ? { lastSentAt: sent[0].sentAt } : {}) };
}

/** Renders "step N" unless the step is in `broken`. */
function renderer(broken: number[] = []) {
	return (step: number, threadSubject: string | undefined) => {
		if (broken.includes(step)) throw new InputError('MISSING_VARIABLE', `Step ${step} text body: {{ $json.lastName }} has no value`);
		return { subject: step === 1 ? 'Hello' : `Re: ${String(threadSubject)}`, text: `step ${step}` };
	};
}

describe('previewProspect', () => {
	it('a new prospect: every step rendered, step 1 due now, follow-ups answer step 1 as rendered', () => {
		const decision: Decision = { status: 'due', step: 1, reason: 'Step 1 is due' };
		const { steps: out, firstError } = previewProspect({ state: state([]), steps, decision, now, window, render: renderer() });
		expect(firstError).toBeUndefined();
		expect(out.map((s) => [s.step, s.status, s.when, s.email?.subject])).toEqual([
			[1, 'due', 'now', 'Hello'],
			[2, 'planned', '2026-03-04 10:00 (UTC)', 'Re: Hello'],
			[3, 'planned', '2026-03-07 10:00 (UTC)', 'Re: Hello'],
		]);
	});

	it('an error in a remaining step fails the prospect; an error in a sent step stays on that step', () => {
		const decision: Decision = { status: 'notDue', step: 2, nextStepAt: DateTime.fromISO('2026-03-03T09:00:00Z'), reason: '' };
		const result = previewProspect({ state: state([sentStep1]), steps, decision, now, window, render: renderer([1, 3]) });
		expect(result.steps.map((s) => [s.step, s.status, s.error?.code ?? null])).toEqual([
			[1, 'sent', 'MISSING_VARIABLE'],
			[2, 'planned', null],
			[3, 'planned', 'MISSING_VARIABLE'],
		]);
		expect(result.firstError?.step).toBe(3);
	});

	it('a prospect stopped by a reply shows the sent steps and nothing more', () => {
		const decision: Decision = { status: 'stopped', stopReason: 'replied', reason: 'Replied' };
		const result = previewProspect({ state: state([sentStep1]), steps, decision, now, window, render: renderer() });
		expect(result.steps.map((s) => [s.step, s.status])).toEqual([[1, 'sent']]);
	});
});
