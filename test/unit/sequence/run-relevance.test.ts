import { prospectHash, sequenceHash } from '../../../core/mail/message-id';
import { classifiedConcernsRun, copyConcernsRun, runRelevance, threadConcernsRun } from '../../../core/sequence/run-relevance';

const run = runRelevance('seq', ['Pat@Acme.test', 'sam@gmail.com']);
const ref = (address: string, key = 'seq') => ({ sequenceHash: sequenceHash(key), step: 1, prospectHash: prospectHash(key, address) });

describe('what a run needs from the mailbox', () => {
	it("the run's own prospects' copies, not the rest of the sequence's", () => {
		expect(copyConcernsRun(ref('pat@acme.test'), run)).toBe(true);
		expect(copyConcernsRun(ref('other@acme.test'), run)).toBe(false);
		expect(copyConcernsRun(ref('pat@acme.test', 'another-sequence'), run)).toBe(false);
	});

	it('threads of its prospects, and of colleagues at their companies (companyReplied), in this sequence only', () => {
		expect(threadConcernsRun([ref('pat@acme.test')], 'pat@acme.test', run)).toBe(true);
		expect(threadConcernsRun([ref('jo@acme.test')], 'jo@acme.test', run)).toBe(true);
		expect(threadConcernsRun([ref('jo@initech.test')], 'jo@initech.test', run)).toBe(false);
		// free mail is no company
		expect(threadConcernsRun([ref('kim@gmail.com')], 'kim@gmail.com', run)).toBe(false);
		expect(threadConcernsRun([ref('jo@acme.test', 'another-sequence')], 'jo@acme.test', run)).toBe(false);
	});

	it('mail from a prospect concerns the run even without refs (a reply that breaks the thread)', () => {
		expect(classifiedConcernsRun({ refs: [], from: 'sam@gmail.com' }, run)).toBe(true);
		expect(classifiedConcernsRun({ refs: [], from: 'mailer-daemon@mx.test' }, run)).toBe(false);
		expect(classifiedConcernsRun({ refs: [ref('pat@acme.test')], from: 'mailer-daemon@mx.test' }, run)).toBe(true);
	});
});
