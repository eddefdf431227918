/**
 * Why a delivery failed, and whether it is a hard bounce. "Hard" follows sisimai's definition, which is
 * the one that matters for outreach: the ADDRESS is bad (the mailbox or its domain does not exist, it
 * moved, or the domain accepts no mail), so the prospect must never be mailed again. Everything else —
 * a full mailbox, a spam or policy block, a DMARC failure, a timeout — is soft even with a 5.x.x code:
 * the prospect exists, the problem is the message, the sender or the moment. See docs/classifier.md.
 */
import type { ReportingMta } from './mta';
import type { BounceReason } from './types';

interface ReasonRule {
	reason: BounceReason;
	pattern: RegExp;
}

/**
 * Wording that names a cause on the sender's or message's side. Checked first: servers often wrap such
 * refusals in a recipient code ("550 5.1.1 … blocked", "5.2.1 … account is disabled").
 */
const SENDER_SIDE_RULES: readonly ReasonRule[] = [
	// "501 5.1.8 Sender address rejected", "553 5.1.8 … Domain of sender address … does not exist",
	// GoDaddy (secureserver.net) about our From header: "550 5.2.0 <x@example.com> From: Domain is invalid. Please provide a valid From:"
	{ reason: 'rejected', pattern: /sender address rejected|from: domain is invalid|provide a valid from|domain of sender address|sender (?:domain|address) (?:does not exist|must exist|is invalid|unknown)|\[mail_from\]|after mail from:/i },
	// Facebook "Refused due to recipient preferences", "rejected by the recipient's content filter"
	{ reason: 'filtered', pattern: /recipient preferences|content filter|rejected by (?:the )?recipient|recipient has (?:blocked|filtered)/i },
	// "550 5.2.2 <kijitora@example.co.jp>... Mailbox Full", "Quota exceeded", "Boîte pleine", "Postfach voll"
	{ reason: 'mailboxfull', pattern: /mailbox (?:is )?full|mail ?box full|over ?quota|quota (?:exceeded|exceed)|exceeded (?:its|the|storage) (?:quota|allocation)|out of storage space|insufficient (?:storage|space) for (?:the )?(?:user|recipient|mailbox)|mailbox size limit|postfach (?:ist )?voll|bo[iî]te (?:aux lettres )?pleine|buz[oó]n lleno|casella piena|caixa (?:postal )?cheia|full mailbox|user over quota|is full\b/i },
	// Gmail "550 5.2.1 The email account that you tried to reach is disabled.", "Disabled recipient address"
	{ reason: 'suspend', pattern: /account that you tried to reach is (?:disabled|inactive)|\b(?:account|mailbox|user|recipient(?: address)?) (?:is |has been )?(?:disabled|suspended|inactive|deactivated|locked|frozen|expired)|disabled (?:recipient|user|account|mailbox)|account (?:has been )?closed|inactive (?:user|account|mailbox)|p=DisabledUser|temporar(?:y|ily) (?:locked|disabled|suspended)/i },
	// "550 5.7.26 … Unauthenticated email … DMARC policy", "SPF … hard fail", "5.7.509 Access denied … DMARC"
	{ reason: 'authfailure', pattern: /\bdmarc\b|\bspf\b|\bdkim\b|authentication checks failed|unauthenticated (?:email|sender)|does not have authentication information/i },
	// "Reverse DNS validation failed", "Missing reverse DNS", "PTR record", "listed at/in <RBL>" (but Domino's
	// "not listed in Domino Directory" is a directory lookup, see userunknown);
	// qmail about our HELO name: "Connected to 192.0.2.112 but my name was rejected."
	{ reason: 'blocked', pattern: /reverse dns|\bptr\b|rdns|reverse (?:lookup|hostname)|client host rejected|ip address blacklisted|black ?list|block ?list|\brbl\b|spamhaus|spamcop|dnsbl|(?<!not )listed (?:at|in|on)\b|blocked using|my name was rejected|poor reputation|bad reputation|\breputation\b|(?:ip|host|sender|connection|message|mail)\b[^.\n]{0,30}\b(?:has been |was |is )?(?:blocked|refused|rejected due to)|\bblocked\b/i },
	// "550 5.7.0 … Spam detected", "message content rejected", "identified as spam"
	{ reason: 'spamdetected', pattern: /\bspam\b|junk mail|content rejected|unsolicited|bulk mail|suspicious/i },
	// "Relay access denied", "relaying denied", "not permitted to relay"
	{ reason: 'norelaying', pattern: /relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)|not permitted to relay|unable to relay|we do not relay|relay not permitted/i },
	// "452 4.3.2 Connection rate limit exceeded", "Too many connections"
	{ reason: 'toomanyconn', pattern: /too many (?:connections|recipients|messages|concurrent)|rate limit|connection rate|rate[- ]limited|throttl|try (?:again|later).{0,20}(?:too many|volume)/i },
	// "Message not accepted for policy reasons", "Delivery not authorized"
	{ reason: 'policyviolation', pattern: /policy reasons|policy violation|violates? (?:our )?policy|header error|multiple addresses in from/i },
	{ reason: 'securityerror', pattern: /not authorized|insufficient permission|virus|malware|security (?:policy|reasons)/i },
];

/** Wording that says the address itself is bad. */
const ADDRESS_RULES: readonly ReasonRule[] = [
	// RFC 7505 "5.1.10 Recipient address has null MX"; "550 Host does not accept mail";
	// Exim on a null MX: "an MX or SRV record indicated no SMTP service"
	{ reason: 'notaccept', pattern: /null mx|mx or srv record indicated no smtp service|does not accept (?:e?-?mail|mail)|accepts? no mail|not accepting (?:network )?messages|system not accepting/i },
	// "Destination mailbox has moved, No forwarding address"
	{ reason: 'hasmoved', pattern: /has moved|mailbox moved|address (?:has )?changed|no forwarding address|no longer (?:with|at) /i },
	// Postfix "Host or domain name not found. Name service error", qmail "Sorry, I couldn't find any host named",
	// Outlook.com "the domain is not reachable", DragonFly "DNS lookup failure: host cx.example.org not found"
	{ reason: 'hostunknown', pattern: /host (?:or domain name )?(?:not found|unknown)|host \S+ not found|domain is not reachable|dns lookup failure|unknown host|domain (?:name )?not found|no such domain|domain does not exist|couldn't find any host|name service error|unrouteable mail domain|bad destination system|(?:mx|dns) (?:record )?(?:lookup )?(?:failed|not found)|no mx|invalid domain|domain (?:is )?(?:invalid|unknown)|unknown domain|host (?:name )?lookup failed|nxdomain|does not resolve/i },
	// "550 5.1.1 <x>... User unknown", "The email account that you tried to reach does not exist",
	// qmail "Sorry, no mailbox here by that name", "This user doesn't have a yahoo.com account",
	// Exchange Online directory-based edge blocking (the recipient is not in the tenant's directory):
	// "550 5.4.1 Recipient address rejected: Access denied. AS(201806281)",
	// Domino "User some.name (x@example.jp) not listed in Domino Directory", Lotus Notes "User  not listed in
	// public Name & Address Book", IMail "Invalid final delivery userid: x@example.jp". Postfix's
	// "Recipient address rejected: <cause>" names its cause after the colon, so "address rejected" alone is not here.
	{ reason: 'userunknown', pattern: /recipient address rejected: access denied|user(?:name)? (?:is )?unknown|unknown (?:user|recipient|local[- ]part|address|mailbox|alias)|no such (?:user|mailbox|recipient|address|account|person|local user)|recipient (?:is )?(?:unknown|not found|invalid|does not exist)|invalid (?:recipient|mailbox|address|user)|(?:user|mailbox|account|recipient|address|addressee)\b[^.\n]{0,40}(?:does ?n[o']t exist|not exist)|does not exist|doesn't exist|not (?:a )?(?:valid|known) (?:user|mailbox|recipient|address)|no mailbox|mailbox (?:is )?(?:unavailable|not found|does not exist|unknown)|user not found|address not found|not our (?:customer|user)|bad destination mailbox|unrouteable address|invalid final delivery userid|doesn't have an? .{1,40} account|address couldn't be found|(?:name|address) is not recognized|destinataire invalide|unbekannt|existiert nicht|no existe|inexistente|non esiste|sconosciuto|bestaat niet|onbekend|n'existe pas|inconnu|unknown or illegal alias|not listed in (?:the )?(?:domino directory|public name & address book)|no valid recipients|mailbox not available|addressee unknown|account does not exist|no account by that name|user doesn't exist/i },
];

/** Wording of transient or size problems: weaker than an explicit "user unknown" in the same report. */
const LATE_RULES: readonly ReasonRule[] = [
	// "Message length exceeds administrative limit", "message too large"
	{ reason: 'exceedlimit', pattern: /exceeds? (?:the )?administrative limit|length exceeds/i },
	{ reason: 'mesgtoobig', pattern: /message (?:is )?too (?:large|big)|message size exceeds|size limit|exceeds? (?:the )?(?:maximum )?(?:message )?size|mail size/i },
	// Exim: "retry time not reached for any host after a long failure period", Postfix: "delivery temporarily suspended"
	{ reason: 'expired', pattern: /retry (?:time|timeout) (?:not reached|exceeded)|could not be delivered (?:for|within) \d+|has not been delivered (?:for|after)|delivery (?:time|period) expired|message expired|too long in (?:the )?queue|giving up|gave up|undeliverable for \d|queue(?:d)? too long|time(?:d)? ?out.{0,40}(?:days|hours)|delivery temporarily suspended|have been unable to deliver|delivery attempts will continue|will (?:continue to )?retry|still trying/i },
	// "connect to example.org[203.0.113.225]:25: Connection refused", "lost connection with"
	{ reason: 'networkerror', pattern: /connection (?:refused|timed out|reset)|lost connection|connect to .{0,80}(?:refused|timed out|unreachable)|network (?:is )?unreachable|too many hops|routing loop|mail loop|loops? back to myself|no route to host/i },
];

/** RFC 3463 subject/detail codes that already say which (enhanced status, without the class digit). */
const STATUS_REASONS: Readonly<Record<string, BounceReason>> = {
	'1.1': 'userunknown', // Bad destination mailbox address
	'1.2': 'hostunknown', // Bad destination system address
	'1.3': 'userunknown', // Bad destination mailbox address syntax
	'1.6': 'hasmoved', // Destination mailbox has moved, No forwarding address
	'1.10': 'notaccept', // RFC 7505: Recipient address has null MX
	'2.1': 'suspend', // Mailbox disabled, not accepting messages
	'2.2': 'mailboxfull', // Mailbox full
	'2.3': 'exceedlimit', // Message length exceeds administrative limit
	'3.2': 'notaccept', // System not accepting network messages
	'3.4': 'mesgtoobig', // Message too big for system
	'4.1': 'networkerror', // No answer from host
	'4.4': 'hostunknown', // Unable to route
	'4.6': 'networkerror', // Routing loop detected
	'4.7': 'expired', // Delivery time expired
	'5.3': 'exceedlimit', // Too many recipients
	'7.1': 'rejected', // Delivery not authorized, message refused
	'7.25': 'blocked', // RFC 8601 reverse DNS validation failed
	'7.26': 'authfailure', // RFC 7372 multiple authentication checks failed
	'7.27': 'notaccept', // RFC 7505 sender address has null MX
};

/** Reasons that mean the address is bad. */
const HARD_REASONS: ReadonlySet<BounceReason> = new Set(['userunknown', 'hostunknown', 'hasmoved', 'notaccept']);

/**
 * The reason for one failed recipient, from the server's words first and the status code second.
 * `text` is the diagnostic (or the bounce paragraph about that recipient); `status` an RFC 3463 code.
 */
export function bounceReason(status: string | undefined, text: string, mta?: ReportingMta): BounceReason {
	const flat = text.replace(/\s+/g, ' ');
	const reason = reasonFromWords(status, flat);
	// A DNS failure reported as temporary ("4.4.3", "DNS Error … try again") is a network problem.
	if (reason === 'hostunknown' && status?.startsWith('4.')) return 'networkerror';
	// Postfix on a DNS TRY_AGAIN answer: "Name service error for domain example.com: Host not found, try again"
	if (reason === 'hostunknown' && /host not found, try again/i.test(flat)) return 'networkerror';
	if (reason !== 'userunknown') return reason;
	// "User unknown" is only trustworthy when the code says so (X.1.1, X.1.3) or the server said it in
	// reply to RCPT TO. Refused after DATA — or with no sign of when — it is a content filter using
	// recipient wording, which is how sisimai reads it too.
	const detail = status?.split('.').slice(1).join('.');
	if (detail === '1.1' || detail === '1.3') return 'userunknown';
	const command = smtpCommand(flat) ?? mta?.impliedCommand?.(flat);
	if (command === 'RCPT') return 'userunknown';
	// A content-filter gateway relaying a refusal without its phase cannot vouch that the mailbox is gone.
	if (mta?.filterGateway) return 'filtered';
	if (UNAMBIGUOUS_USER_UNKNOWN.test(flat)) return 'userunknown';
	return 'filtered';
}

/**
 * Wording that only a directory lookup of the recipient produces, never a content filter: Exchange
 * "The recipient name is not recognized", Outlook.com "the address couldn't be found", Hotmail
 * "Requested action not taken: mailbox unavailable", qmail "no mailbox here by that name",
 * Yahoo "This user doesn't have a yahoo.com account", "No such user".
 * Not Postfix's "Recipient address rejected: User unknown in local recipient table": a relay that
 * quotes it without "(in reply to RCPT TO command)" may have got it after DATA (sisimai: filtered).
 */
const UNAMBIGUOUS_USER_UNKNOWN = new RegExp(
	[
		"recipient name is not recognized|address couldn't be found|mailbox unavailable|no mailbox here by that name",
		"doesn't have an? \\S+ account|no such user|no such mailbox|address does not exist|invalid recipient",
		// Domino "User some.name (x@example.jp) not listed in Domino Directory";
		// Lotus Notes "User  not listed in public Name & Address Book"
		'not listed in (?:the )?(?:domino directory|public name & address book)',
		// IMail "Unknown user: kijitora@example.com", "Invalid final delivery userid: kijitora@example.jp"
		'^unknown user: \\S+@|invalid final delivery userid',
		// Sendmail's local delivery agent: "mail.local: unknown user: kijitora"
		'mail\\.local: unknown user',
	].join('|'),
	'i',
);

/**
 * The SMTP command the error answered, when the report says. Postfix "(in reply to RCPT TO command)",
 * Exim "SMTP error from remote mail server after RCPT TO:<…>:", Sendmail ">>> RCPT To:<…>",
 * qmail "does not like recipient."; Postfix "(in reply to end of DATA command)", Exim "after end of data".
 */
export function smtpCommand(text: string): 'RCPT' | 'DATA' | 'MAIL' | undefined {
	if (/in reply to end of data|after end of data|in reply to data command|>>> data\b/i.test(text) && !/rcpt to/i.test(text)) return 'DATA';
	if (/in reply to rcpt to|after rcpt to|>>> rcpt to|does not like recipient|did not like our rcpt to|most progress was rcpt to|rcpt to:?\s{0,20}<[^>]{0,320}>\s{0,20}\S{0,80}\s{0,20}<<<\s{0,20}5/i.test(text)) return 'RCPT';
	if (/in reply to mail from|after mail from|>>> mail from/i.test(text)) return 'MAIL';
	return undefined;
}

function reasonFromWords(status: string | undefined, text: string): BounceReason {
	// A URL's host still names the blocklist ("553 http://www.spamhaus.org/query/bl?ip=192.0.2.222"); its
	// path is noise, except providers' help pages named for the reason ("…/NoSuchUser", "…/DisabledUser").
	const words = text.replace(/https?:\/\/([^/\s]+)\S*/g, (url, host: string) => (/NoSuchUser|DisabledUser|Dmarc/i.test(url) ? url : ` ${host} `));
	const detail = status?.split('.').slice(1).join('.');
	for (const rule of SENDER_SIDE_RULES) if (rule.pattern.test(words)) return rule.reason;
	// RFC 3463 X.1.7 / X.1.8: the SENDER's address is bad — about us, not the prospect.
	if (detail === '1.7' || detail === '1.8') return 'rejected';
	// An explicit recipient-side code wins over generic wording.
	if (detail && ['1.1', '1.2', '1.6', '1.10'].includes(detail)) return STATUS_REASONS[detail];
	for (const rule of ADDRESS_RULES) if (rule.pattern.test(words)) return rule.reason;
	for (const rule of LATE_RULES) if (rule.pattern.test(words)) return rule.reason;
	if (detail && STATUS_REASONS[detail]) return STATUS_REASONS[detail];
	if (status?.startsWith('4.')) return 'expired';
	if (/\b(?:rejected|refused|denied|not accepted)\b/i.test(words)) return 'rejected';
	return 'undefined';
}

/**
 * Hard bounce when the reason says the address is bad. `notaccept` is hard only when permanent
 * (a 4.x.x "not accepting messages" is a server having a bad day).
 */
export function isHardBounce(reason: BounceReason, status: string | undefined): boolean {
	if (!HARD_REASONS.has(reason)) return false;
	if (reason === 'notaccept' && status?.startsWith('4.')) return false;
	return true;
}
