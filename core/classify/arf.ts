/**
 * ARF feedback-loop reports (RFC 5965): a mailbox provider tells the sender that a recipient clicked
 * "this is spam" (or unsubscribed, or that authentication failed).
 *
 *   Content-Type: message/feedback-report
 *
 *   Feedback-Type: abuse
 *   User-Agent: SMP-FBL
 *   Version: 1.0
 *   Original-Rcpt-To: <kijitora@example.jp>
 */
import { cleanAddress } from './dsn';
import { headerValue, headerValues, parseHeaderBlock, splitHeaderBody } from './mime';
import type { ComplaintDetails, MailFacts } from './types';

/** The complaint carried by `facts`, or undefined when it is not an ARF report. */
export function readFeedbackReport(facts: MailFacts): ComplaintDetails | undefined {
	const part = facts.parts.find((p) => p.contentType === 'message/feedback-report');
	const inline = part ? undefined : /^Feedback-Type:[ \t]*[\w-]+/im.exec(facts.text);
	if (!part && !(inline && facts.reportType === 'feedback-report') && !(inline && /^Version:\s*[01]/im.test(facts.text))) return undefined;
	const body = part?.body ?? facts.text.slice(inline?.index ?? 0);
	const fields = parseHeaderBlock(splitHeaderBody(body.replace(/^\s+/, '')).head);
	const recipients = headerValues(fields, 'original-rcpt-to').concat(headerValues(fields, 'removal-recipient')).map(cleanAddress);
	if (recipients.length === 0) {
		const returned = facts.parts.find((p) => p.contentType === 'message/rfc822' || p.contentType === 'text/rfc822-headers');
		const to = returned ? headerValue(parseHeaderBlock(splitHeaderBody(returned.body).head), 'to') : undefined;
		for (const match of to?.matchAll(/[^\s<>,;"]+@[^\s<>,;"]+/g) ?? []) recipients.push(match[0].toLowerCase());
	}
	return {
		feedbackType: (headerValue(fields, 'feedback-type') ?? 'other').toLowerCase(),
		recipients,
		userAgent: headerValue(fields, 'user-agent'),
	};
}
