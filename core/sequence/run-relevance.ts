/**
 * Which mailbox facts can change the decisions of one run: the ledger of a run over 500 prospects needs
 * their copies in Sent and the inbound mail about them, not the history of the other 4,500 prospects of
 * the sequence. The transport reads and checks only these, so a run's cost follows its prospects, not
 * the age of the mailbox.
 *
 * What matters for a prospect (the rules of `ledger.ts`): its own copies; inbound mail that refers to one
 * of them or comes from its address (a reply that breaks the thread); a bounce naming it; and a reply in
 * the same sequence from someone else at its company (`companyReplied`). (A bounce that names a prospect
 * but carries none of our ids is not attributed, as before.)
 */
import { ledgerAddress, prospectHash, sequenceHash, type SequenceMessageRef } from '../mail/message-id';
import { companyKey } from './company';
import { addressHash } from './inbound-candidate';

/** The run's prospects, in the forms the mailbox facts are matched against. */
export interface RunRelevance {
	sequenceHash: string;
	/** Prospect hashes (as in our Message-IDs). */
	prospectHashes: ReadonlySet<string>;
	/** Ledger addresses. */
	addresses: ReadonlySet<string>;
	/** `addressHash` of each address: the inbound index's sender hashes are matched against these. */
	addressHashes: ReadonlySet<number>;
	/** Company keys of the prospects (free-mail addresses have none). */
	companies: ReadonlySet<string>;
}

/** The relevance of a run of `sequenceKey` over `addresses`. */
export function runRelevance(sequenceKey: string, addresses: Iterable<string>): RunRelevance {
	const ledger = new Set([...addresses].map(ledgerAddress));
	const companies = new Set<string>();
	for (const address of ledger) {
		const company = companyKey(address);
		if (company !== null) companies.add(company);
	}
	return {
		sequenceHash: sequenceHash(sequenceKey),
		prospectHashes: new Set([...ledger].map((a) => prospectHash(sequenceKey, a))),
		addresses: ledger,
		addressHashes: new Set([...ledger].map(addressHash)),
		companies,
	};
}

/** Whether a copy in Sent (its Message-ID's ref) is one of the run's prospects'. */
export function copyConcernsRun(ref: SequenceMessageRef, run: RunRelevance): boolean {
	return ref.sequenceHash === run.sequenceHash && run.prospectHashes.has(ref.prospectHash);
}

/**
 * Whether a message threaded to our ids (refs from its headers) may matter to the run: it answers one of
 * the run's prospects, or it answers the sequence from the company of one of them. `company` is
 * `companyKey(from)` when the caller keeps it (the inbound index computes it once per message, not once
 * per run: an aged mailbox has thousands of answers from other prospects).
 */
export function threadConcernsRun(refs: readonly SequenceMessageRef[], from: string, run: RunRelevance, company?: string | null): boolean {
	const own = refs.filter((r) => r.sequenceHash === run.sequenceHash);
	if (own.length === 0) return false;
	if (own.some((r) => run.prospectHashes.has(r.prospectHash))) return true;
	const key = company === undefined ? companyKey(from) : company;
	return key !== null && run.companies.has(key);
}

/**
 * Whether a classified message may matter to the run: it comes from one of the prospects, or the refs
 * its headers and body gave (a bounce's returned original) concern the run.
 */
export function classifiedConcernsRun(message: { refs: readonly SequenceMessageRef[]; from?: string }, run: RunRelevance): boolean {
	if (message.from && run.addresses.has(message.from)) return true;
	return threadConcernsRun(message.refs, message.from ?? '', run);
}
