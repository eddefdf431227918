/**
 * A delivery-status notification (RFC 3464, `multipart/report; report-type=delivery-status`) for a
 * recipient the SMTP server refused permanently while we were sending (a 5xx at RCPT such as
 * `550 5.1.1 user unknown`). When the server refuses at RCPT no MTA ever writes a bounce, so the run
 * files this report in the sender's INBOX itself: the mailbox is the ledger, and the same classifier
 * that reads real bounces (the run's ledger, the IMAP Reply Trigger) then sees the prospect as bounced.
 */

/** What the report says. */
export interface RefusalReportInput {
	/** The sender's mailbox (the report's To). */
	sender: string;
	/** The refused recipient. */
	recipient: string;
	/** Which step was refused (for the text part). */
	step: number;
	/** The server's reply as given, e.g. `550 5.1.1 <x@y>: Recipient address rejected`. */
	response: string;
	/** RFC 3463 status from the reply, when it had one. */
	enhancedStatus?: string;
	/** The SMTP server's host name (Reporting-MTA / Remote-MTA). */
	smtpHost: string;
	/** The refused message as it was to go out; its header block goes into the report. */
	original: Buffer;
	/** The report's own Message-ID (with angle brackets). */
	messageId: string;
	date: Date;
}

/** Header blocks and report fields are one line each: CR, LF and other controls become spaces. */
function oneLine(value: string, max = 900): string {
	let out = '';
	for (const char of value.slice(0, max)) {
		const code = char.charCodeAt(0);
		out += code < 0x20 || code === 0x7f ? ' ' : char;
	}
	return out.trim();
}

/** The header block of a raw message (up to the first empty line), at most 64 KiB. */
function headerBlock(raw: Buffer): string {
	const limit = raw.subarray(0, 64 * 1024);
	const end = limit.indexOf('\r\n\r\n');
	return limit.subarray(0, end >= 0 ? end + 2 : limit.length).toString('utf8');
}

/** RFC 5322 date in UTC, e.g. `Tue, 01 Dec 2026 09:00:00 +0000`. */
function rfc5322Date(date: Date): string {
	return date.toUTCString().replace(/GMT$/, '+0000');
}

/** The report as raw RFC 5322 text with CRLF line ends. */
export function refusalReport(input: RefusalReportInput): Buffer {
	const boundary = `=_refusal_${input.messageId.replace(/[^A-Za-z0-9]/g, '').slice(0, 40)}`;
	const domain = input.sender.slice(input.sender.lastIndexOf('@') + 1);
	const response = oneLine(input.response);
	const status = input.enhancedStatus && /^5\.\d{1,3}\.\d{1,3}$/.test(input.enhancedStatus) ? input.enhancedStatus : '5.0.0';
	const host = oneLine(input.smtpHost, 255);
	const lines = [
		`From: Mail Delivery System <MAILER-DAEMON@${domain}>`,
		`To: <${input.sender}>`,
		`Subject: Undelivered Mail: step ${input.step} to ${oneLine(input.recipient, 320)} was refused`,
		`Date: ${rfc5322Date(input.date)}`,
		`Message-ID: ${input.messageId}`,
		'Auto-Submitted: auto-replied',
		'MIME-Version: 1.0',
		`Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
		'',
		`--${boundary}`,
		'Content-Type: text/plain; charset=utf-8',
		'',
		`The SMTP server ${host} permanently refused the recipient ${oneLine(input.recipient, 320)} when`,
		`the SMTP Sequence node sent step ${input.step}. Nothing was delivered. The server said:`,
		'',
		`    ${response}`,
		'',
		'The node filed this report itself (no server sends one for a refusal at RCPT), so the',
		'prospect counts as bounced and the step is not tried again.',
		'',
		`--${boundary}`,
		'Content-Type: message/delivery-status',
		'',
		`Reporting-MTA: dns; ${host}`,
		'',
		`Final-Recipient: rfc822; ${oneLine(input.recipient, 320)}`,
		'Action: failed',
		`Status: ${status}`,
		`Remote-MTA: dns; ${host}`,
		`Diagnostic-Code: smtp; ${response}`,
		'',
		`--${boundary}`,
		'Content-Type: text/rfc822-headers',
		'',
		headerBlock(input.original).replace(/\r?\n$/, ''),
		`--${boundary}--`,
		'',
	];
	return Buffer.from(lines.join('\r\n'), 'utf8');
}
