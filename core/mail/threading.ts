/**
 * Threading: every follow-up answers the previous step so mail clients show one conversation.
 * Pure functions of the Message-IDs actually sent to the prospect (read back from the Sent folder).
 */
import { InputError } from '../errors';
import { assertHeaderSafe } from './header-safety';

/** The threading headers of one outgoing message; both absent for the first message of a thread. */
export interface ThreadHeaders {
	/** Message-ID (with brackets) of the previous message sent to this prospect. */
	inReplyTo?: string;
	/** The whole chain, oldest first, with brackets; nodemailer joins it with spaces. */
	references?: string[];
}

const MESSAGE_ID = /^<[^<>\s@]+@[^<>\s@]+>$/;

function bracketed(messageId: string): string {
	const trimmed = assertHeaderSafe('Message-ID', messageId).trim();
	const withBrackets = trimmed.startsWith('<') ? trimmed : `<${trimmed}>`;
	if (!MESSAGE_ID.test(withBrackets)) {
		throw new InputError('INVALID_PARAMETER', `"${messageId}" is not a Message-ID (expected <id@domain>)`);
	}
	return withBrackets;
}

/**
 * In-Reply-To and References for the next message of a thread.
 *
 * RFC 5322 §3.6.4: the reply's "In-Reply-To:" field contains the parent's "Message-ID:", and its
 * "References:" field contains the parent's "References:" followed by the parent's "Message-ID:".
 * Since each of our steps answered the one before, that is the whole chain of previous steps.
 *
 * @param previousMessageIds - Message-IDs of the steps already sent to this prospect, in sending order
 *   (brackets optional). Duplicates (two copies of one step in Sent) are dropped.
 */
export function threadHeaders(previousMessageIds: readonly string[]): ThreadHeaders {
	const chain: string[] = [];
	for (const id of previousMessageIds) {
		const normalised = bracketed(id);
		if (!chain.includes(normalised)) chain.push(normalised);
	}
	if (chain.length === 0) return {};
	return { inReplyTo: chain[chain.length - 1], references: chain };
}

/**
 * Reply prefixes mail clients add, in the languages our users' prospects write in: English "Re",
 * German "Aw", Scandinavian "Sv"/"Vs", Dutch "Antw", Polish "Odp", Italian "R"/"Rif", Turkish "Ynt",
 * optionally with a counter ("Re[2]:", "RE(2):") and spaces before the colon.
 */
const REPLY_PREFIX = /^(?:re|aw|sv|vs|antw|odp|rif|ynt|r)\s*(?:\[\d+\]|\(\d+\))?\s*:/i;

/**
 * The subject of a follow-up in the thread: `Re: <first subject>`, without doubling a reply prefix the
 * first subject already has (`Re: intro` stays `Re: intro`; `AW: Angebot` stays `AW: Angebot`).
 *
 * @throws InputError `EMPTY_FIELD` when the first subject is blank.
 */
export function replySubject(firstSubject: string): string {
	const subject = assertHeaderSafe('Subject', firstSubject).trim();
	if (subject.length === 0) {
		throw new InputError('EMPTY_FIELD', 'The first step has an empty subject, so follow-ups have nothing to reply to');
	}
	return REPLY_PREFIX.test(subject) ? subject : `Re: ${subject}`;
}
