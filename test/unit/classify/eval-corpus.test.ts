/**
 * Runs the eval command's own code (scripts/eval-replies.ts → core/classify/evaluate.ts) on the project's
 * fixtures and, when present, on the shared labelled corpus, and holds the classifier to its targets.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { evaluateDirectory } from '../../../scripts/eval-replies';

const FIXTURES = resolve(__dirname, '../../fixtures/replies');
/** The shared corpus (sisimai + talon); not in the repository. Override with REPLY_CORPUS. */
const SHARED = process.env.REPLY_CORPUS ?? resolve(__dirname, '../../../../shared/corpus');

/**
 * Hard/soft agreement with sisimai's labels that this version reaches on the shared corpus. The product
 * target is 0.95, reached; docs/classifier.md lists the disagreements left. This floor stops regressions.
 */
const HARD_SOFT_FLOOR = 0.95;

describe('eval on the project fixtures', () => {
	it('classifies every fixture right, with reply text and return dates', async () => {
		const { summary } = await evaluateDirectory(FIXTURES);
		expect(summary.misses).toEqual([]);
		expect(summary.human_misclassified).toBe(0);
		expect(summary.autoReply_recall).toBe(1);
		expect(summary.reply_text_pass_rate).toBe(1);
		expect(summary.return_date_agreement).toBe(1);
		expect(summary.per_class.unsubscribe.precision).toBe(1);
	});
});

(existsSync(resolve(SHARED, 'labels.json')) ? describe : describe.skip)('eval on the shared corpus', () => {
	it('detects every bounce, misclassifies no human, agrees with sisimai on hard/soft', async () => {
		const { summary } = await evaluateDirectory(SHARED);
		expect(summary.bounce_recall).toBe(1);
		expect(summary.human_misclassified).toBe(0);
		expect(summary.per_class.complaint.recall).toBe(1);
		expect(summary.per_class.deliveryReport.recall).toBe(1);
		expect(summary.reply_text_pass_rate).toBe(1);
		expect(summary.hard_soft_agreement).toBeGreaterThanOrEqual(HARD_SOFT_FLOOR);
	}, 60_000);
});
