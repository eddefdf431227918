import { prospectHash, sequenceHash } from '../../../core/mail/message-id';
import { companyKey } from '../../../core/sequence/company';
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

	it("a company key the caller kept (the inbound index's, computed once per message) answers as companyKey would", () => {
		for (const from of ['jo@sales.acme.test', 'jo@initech.test', 'kim@gmail.com', 'no-domain']) {
			const kept = companyKey(from);
			expect(threadConcernsRun([ref(from)], from, run, kept)).toBe(threadConcernsRun([ref(from)], from, run));
		}
		// the kept key is used as given (no second lookup): a null one is "no company"
		expect(threadConcernsRun([ref('jo@acme.test')], 'jo@acme.test', run, null)).toBe(false);
	});

	it('mail from a prospect concerns the run even without refs (a reply that breaks the thread)', () => {
		expect(classifiedConcernsRun({ refs: [], from: 'sam@gmail.com' }, run)).toBe(true);
		expect(classifiedConcernsRun({ refs: [], from: 'mailer-daemon@mx.test' }, run)).toBe(false);
		expect(classifiedConcernsRun({ refs: [ref('pat@acme.test')], from: 'mailer-daemon@mx.test' }, run)).toBe(true);
	});
});
