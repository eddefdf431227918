/**
 * Which system wrote a non-delivery report, when its headers or wording give it away, and what that
 * system's format implies. The same words mean different things from different reporters: "No such
 * user" from the receiving MTA answering RCPT TO proves the mailbox is gone, the same words relayed by a
 * content-filter gateway with no SMTP phase do not (the gateway may be refusing on policy with
 * recipient wording). sisimai reads them the same way (per-MTA modules, then `Reason::UserUnknown`).
 */
import { capText } from './limits';
import { headerValue } from './mime';
import type { MailFacts } from './types';

/** What the reporting system's format tells the reason rules. */
export interface ReportingMta {
	/** Short name for diagnostics, e.g. `mcafee`, `yahoo`. */
	name: string;
	/**
	 * A content-filter gateway: recipient wording ("No such user", "doesn't have a … account") is only
	 * trusted with an X.1.1 code or an explicit RCPT TO phase; otherwise the refusal is `filtered`.
	 */
	filterGateway: boolean;
	/**
	 * The SMTP phase the format implies for one recipient's error text, when the text itself does not
	 * say (e.g. Yahoo quotes the remote's answer to RCPT TO, naming the address in angle brackets).
	 */
	impliedCommand?: (diagnostic: string) => 'RCPT' | undefined;
}

/** Angle-bracketed address, as an MTA quotes the recipient it refused: "<kijitora@example.jp>". */
const BRACKETED_ADDRESS = /<[^<>\s@]+@[^<>\s@]+>/;

/** Recognises the reporting system from headers first, then the report's own opening lines. */
export function reportingMta(facts: MailFacts, text: string): ReportingMta | undefined {
	const head = capText(facts.rawHeaders);
	// McAfee Email Gateway: "X-NAI-Header: Modified by McAfee Email Gateway (4500)"
	if (/^X-NAI-Header:.*McAfee/im.test(head)) return { name: 'mcafee', filterGateway: true };
	// SurfControl: "X-Mailer: SurfControl E-mail Filter", "X-SEF-Processed: 0_0_0_000__2010_04_29_23_34_45"
	if (/^X-Mailer:.*SurfControl|^X-SEF-Processed:/im.test(head)) return { name: 'surfcontrol', filterGateway: true };
	// MailFoundry: "Received: From localhost (127.0.0.1) by smtp9.mf.example.ne.jp (MAILFOUNDRY) id …"
	if (/\(MAILFOUNDRY\)/.test(head) || (/^Unable to deliver message to: </m.test(text) && /\(MAILFOUNDRY\)/.test(text))) {
		return { name: 'mailfoundry', filterGateway: true };
	}
	// Yahoo! Mail (also behind "X2"'s old relays): "X-YMailISG: YtyUVyYWLDsbDh…" with
	//   "Sorry, we were unable to deliver your message to the following address."
	//   "<kijitora@example.org>:"
	//   "550: <kijitora@example.org>: User unknown"
	// The error line (below the "<addr>:" line) quoting the address in brackets is the remote's answer
	// to RCPT TO; "550: : User unknown" without it may have come after DATA.
	if (/^X-YMailISG:/im.test(head)) {
		const errorLine = (d: string): string => d.replace(/^\s*<[^<>\s]+>:\s*/, '');
		return { name: 'yahoo', filterGateway: false, impliedCommand: (d) => (BRACKETED_ADDRESS.test(errorLine(d)) ? 'RCPT' : undefined) };
	}
	// Unnamed webmail relay (sisimai's "X2"): "Message from example.co.jp." /
	// "Unable to deliver message to the following address(es)." — relays the refusal without its phase.
	if (/^Message from \S{1,255}\.[ \t]{0,20}\n(?:[ \t]{0,20}\n){0,10}Unable to deliver message to the following address/im.test(text)) {
		return { name: 'x2', filterGateway: true };
	}
	if (headerValue(facts.headers, 'x-mailer')?.includes('<SMTP32')) return { name: 'imail', filterGateway: false };
	return undefined;
}
