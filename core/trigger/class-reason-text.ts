/**
 * `classReason` codes (`default:human`, `header:auto-submitted=auto-replied`, `dsn:multipart-report` …)
 * in words, for the `classReasonText` field beside the code: the code stays for workflows that branch
 * on it, the sentence is for the person reading the output.
 */

/** A sentence saying why the classifier chose the class, from its reason code. */
export function explainClassReason(code: string): string {
	if (code === 'default:human') return 'Written by a person: no sign of an automatic answer, a bounce or an unsubscribe request.';
	if (code === 'dsn:delivered') return 'A delivery status notification saying the email was delivered (not a bounce).';
	if (code === 'bounce:delay-warning') {
		return 'A delay warning from a mail server: it is still trying to deliver the email. Not a bounce yet; the sequence goes on.';
	}
	if (code === 'dsn:delayed') {
		return 'A delay warning (RFC 3464 Action: delayed): the mail server is still trying to deliver the email. Not a bounce yet; the sequence goes on.';
	}
	if (code === 'dsn:multipart-report') return 'A standard delivery status notification (RFC 3464) reporting that the email could not be delivered.';
	if (code === 'arf:feedback-report') return 'A spam complaint: a feedback report (ARF) from the recipient\'s mail provider.';
	if (code === 'ses:complaint') return 'A spam complaint reported by Amazon SES.';
	if (code === 'ses:delivery') return 'A delivery notification from Amazon SES (not a bounce).';
	if (code === 'ses:bounce') return 'A bounce reported by Amazon SES.';
	if (code.startsWith('bounce:')) {
		const why: Record<string, string> = {
			sender: 'it comes from a mailer daemon and reads like a delivery failure',
			subject: 'its subject says the delivery failed',
			body: 'its text says the delivery failed and it has no return address',
			forwarded: 'it forwards a delivery failure',
			'nested-dsn': 'a mail gateway returned a delivery failure report',
		};
		return `A bounce: ${why[code.slice('bounce:'.length)] ?? 'it reads like a delivery failure report'}.`;
	}
	if (code.startsWith('text:unsubscribe')) {
		const quoted = code.slice('text:unsubscribe'.length).trim();
		return `The person asks to be removed${quoted ? ` (${quoted})` : ''}.`;
	}
	if (code === 'body:challenge-response') return 'An automatic reply: a challenge-response spam filter asks the sender to confirm they are a person.';
	if (code === 'weak:acknowledgement') return 'An automatic reply: its subject acknowledges receipt and it carries a sign of automation (no return address, bulk precedence or automatic wording).';
	if (code === 'weak:null-sender+bulk') return 'An automatic reply: it has no return address (RFC 3834) and a bulk/junk precedence header.';
	if (code === 'weak:return-date') return 'An automatic reply: it gives a return date and carries a sign of automation (no return address or bulk precedence).';
	// auto-replies: a header rule, or wording in the subject/body, optionally with a weak header as support
	const [main, support] = code.split('+');
	const parts: string[] = [];
	if (main.startsWith('header:')) parts.push(`its header ${main.slice('header:'.length)} marks it as automatic`);
	else if (main === 'subject:auto-reply') parts.push('its subject reads like an out-of-office reply');
	else if (main === 'body:auto-reply') parts.push('its text reads like an out-of-office reply');
	if (support?.startsWith('header:')) parts.push(`the header ${support.slice('header:'.length)} suggests automation`);
	if (parts.length > 0) return `An automatic reply: ${parts.join(', and ')}.`;
	return `Classified by the rule "${code}".`;
}
