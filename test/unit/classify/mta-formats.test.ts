/**
 * Per-MTA bounce semantics: each case is a short synthetic report modelled on one MTA's or provider's
 * format (the literal line the rule keys on is in the sample), checked through the real classifier.
 */
import { autoReplyWording } from '../../helpers/auto-reply-rule';
import { bounceReason, isHardBounce } from '../../../core/classify/bounce-reason';
import { classify } from '../../../core/classify/classify';
import { parseDeliveryStatus } from '../../../core/classify/dsn';
import { parseMessage } from '../../../core/classify/parse';
import type { BounceRecipient } from '../../../core/classify/types';

async function bounceOf(raw: string): Promise<BounceRecipient[]> {
	const result = classify(await parseMessage(Buffer.from(raw.replace(/\n/g, '\r\n'))));
	if (result.class !== 'bounce') throw new Error(`expected a bounce, got ${result.class} (${result.reason})`);
	return result.recipients;
}

const header = (from: string, subject: string, extra = ''): string =>
	`From: ${from}\nTo: sender@example.com\nSubject: ${subject}\nDate: Thu, 29 Apr 2021 23:34:45 +0900\nMessage-ID: <b1@example.net>\n${extra}MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\n`;

describe('reason wording grounded in one MTA format', () => {
	it.each([
		// DragonFly/Postfix: "Recipient address rejected: <cause>" — the cause decides, not "address rejected"
		['5.2.3', '552 5.2.3 <x@example.net>: Recipient address rejected: Message length exceeds administrative limit', 'exceedlimit', false],
		['5.3.0', '554 5.3.0 <x@example.net>: Recipient address rejected: Internal system error', 'rejected', false],
		// Exchange Online DBEB: recipient not in the tenant directory
		['5.4.1', '550 5.4.1 Recipient address rejected: Access denied. AS(201806281) (in reply to RCPT TO command)', 'userunknown', true],
		// Domino / Lotus Notes directory lookups
		[undefined, 'User some.name (x@example.jp) not listed in Domino Directory', 'userunknown', true],
		[undefined, 'User  not listed in public Name & Address Book', 'userunknown', true],
		// IMail
		[undefined, 'Invalid final delivery userid: x@example.jp', 'userunknown', true],
		// Sendmail's local delivery agent
		[undefined, 'mail.local: unknown user: kijitora\n554 <x@example.net>... Service unavailable', 'userunknown', true],
		// Exim on an RFC 7505 null MX
		[undefined, 'x@example.org\n  an MX or SRV record indicated no SMTP service', 'notaccept', true],
		// Postfix DNS TRY_AGAIN
		[undefined, '<x@example.com>: Name service error for domain example.com: Host not found, try again', 'networkerror', false],
		// qmail about our HELO name
		[undefined, 'Connected to 192.0.2.112 but my name was rejected. Remote host said: 501 5.0.0 Invalid domain name', 'blocked', false],
		// GoDaddy about our From header
		['5.2.0', 'after end of data: 550 5.2.0 <s@example.com> From: Domain is invalid. Please provide a valid From:', 'rejected', false],
		// A blocklist named only by its URL
		['5.1.3', '553 http://www.spamhaus.org/query/bl?ip=192.0.2.222', 'blocked', false],
		// Gmail's disabled account wording with 5.2.1
		['5.2.1', '550 5.2.1 The email account that you tried to reach is disabled. g0000.00 - gsmtp', 'suspend', false],
		// Postfix text quoted without its phase: no longer proof of a missing mailbox
		[undefined, '550 <x@example.jp>: Recipient address rejected: User unknown in local recipient table', 'filtered', false],
	])('%s %j → %s (hard %s)', (status, text, reason, hard) => {
		expect(bounceReason(status, text)).toBe(reason);
		expect(isHardBounce(bounceReason(status, text), status)).toBe(hard);
	});
});

describe('reporting MTA recognised from its headers or opening lines', () => {
	it('McAfee Email Gateway: "No such user" without a phase is filtered', async () => {
		const raw = `${header('postmaster@example.com', 'Delivery Status Notification (Failure)', 'X-NAI-Header: Modified by McAfee Email Gateway (4500)\n')}--- The following addresses had delivery problems ---\n\n<x@example.com>   (Permanent error)\n550 x@example.com... No such user\n`;
		const [r] = await bounceOf(raw);
		expect(r).toMatchObject({ address: 'x@example.com', reason: 'filtered', hard: false });
	});

	it('sisimai "X2" webmail relay: "doesn\'t have a … account" without a phase is filtered', async () => {
		const raw = `${header('MAILER-DAEMON@example.co.jp', 'Delivery failure')}Message from example.co.jp.\nUnable to deliver message to the following address(es).\n\n<x@example.co.jp>:\nThis user doesn't have a example.co.jp account (x@example.co.jp) [-9]\n\n--- Original message follows.\n`;
		const [r] = await bounceOf(raw);
		expect(r).toMatchObject({ reason: 'filtered', hard: false });
	});

	it('Yahoo: the error line naming the address in brackets answered RCPT TO', async () => {
		const body = 'Sorry, we were unable to deliver your message to the following address.\n\n<x@example.jp>:\n550: <x@example.jp>: User unknown\n\n--- Below this line is a copy of the message.\n';
		const [named] = await bounceOf(`${header('MAILER-DAEMON@yahoo.com', 'Failure Notice', 'X-YMailISG: abc\n')}${body}`);
		expect(named).toMatchObject({ reason: 'userunknown', hard: true });
		const [bare] = await bounceOf(`${header('MAILER-DAEMON@yahoo.com', 'Failure Notice', 'X-YMailISG: abc\n')}${body.replace('550: <x@example.jp>: User', '550: : User')}`);
		expect(bare).toMatchObject({ reason: 'filtered', hard: false });
	});
});

describe('per-recipient association', () => {
	it('keeps each recipient\'s own error when the report lists them twice (Mail.ru wrapping Exim)', async () => {
		const block = '  a@example.jp\n    SMTP error from remote mail server after RCPT TO:<a@example.jp>:\n    host mx.example.jp [192.0.2.12]: 550 5.2.2 <a@example.jp>... Mailbox Full\n  b@example.jp\n    SMTP error from remote mail server after RCPT TO:<b@example.jp>:\n    host mx.example.jp [192.0.2.12]: 550 5.2.1 <b@example.jp>... User Unknown\n';
		const raw = `${header('mailer-daemon@corp.mail.ru', 'Mail failure.')}Ваше письмо не может быть доставлено:\n\n${block}\n**********************\nThis message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n${block}\n------ This is a copy of the message, including all the headers. ------\n`;
		const recipients = await bounceOf(raw);
		expect(recipients.map((r) => [r.address, r.status, r.reason, r.hard])).toEqual([
			['a@example.jp', '5.2.2', 'mailboxfull', false],
			['b@example.jp', '5.2.1', 'userunknown', true],
		]);
	});

	it('reads a Sendmail summary line as one statement ("554 <x>... 550 Host unknown")', async () => {
		const raw = `${header('Mail Delivery Subsystem <MAILER-DAEMON@example.com>', 'Returned mail: User unknown')}   ----- Transcript of session follows -----\n554 <a@example.edu>... Remote protocol error: Connection reset by peer during result wait with example.edu\n550 example.or.jp (smtp)... 550 Host unknown\n554 <b@example.or.jp>... 550 Host unknown (Authoritative answer from name server)\n\n   ----- Unsent message follows -----\n`;
		const recipients = await bounceOf(raw);
		expect(recipients.map((r) => [r.address, r.hard])).toEqual([
			['a@example.edu', false],
			['b@example.or.jp', true],
		]);
	});

	it('splits DSN recipient blocks written without blank lines between them (AOL relay)', () => {
		const fields = parseDeliveryStatus(
			'Reporting-MTA: dns; omr.example.com\n\nFinal-Recipient: rfc822; a@example.jp\nAction: failed\nStatus: 5.2.2\nDiagnostic-Code: smtp; 550 5.2.2 <a@example.jp>... Mailbox Full\nFinal-Recipient: rfc822; b@example.jp\nAction: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 5.1.1 <b@example.jp>... User Unknown\n',
		);
		expect(fields.map((f) => [f.address, f.status])).toEqual([
			['a@example.jp', '5.2.2'],
			['b@example.jp', '5.1.1'],
		]);
	});

	it('prefers the remote\'s own code over the MTA\'s rewritten summary (Sendmail after DATA)', async () => {
		const raw = `From: Mail Delivery Subsystem <MAILER-DAEMON@example.jp>\nTo: sender@example.com\nSubject: Returned mail: see transcript for details\nDate: Thu, 29 Apr 2021 23:34:45 +0900\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n--B\nContent-Type: text/plain\n\n   ----- Transcript of session follows -----\n>>> DATA\n<<< 550 5.0.0 <x@example.jp>... User unknown\n550 5.1.1 <x@example.jp>... User unknown\n\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.jp\n\nFinal-Recipient: RFC822; x@example.jp\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: SMTP; 550 5.0.0 <x@example.jp>... User unknown\n\n--B--\n`;
		const [r] = await bounceOf(raw);
		expect(r).toMatchObject({ status: '5.0.0', reason: 'filtered', hard: false });
	});
});

describe('body wording alone: a person mentioning a holiday stays a reply', () => {
	it.each([
		['Je suis en vacances la semaine prochaine, on en parle à mon retour ?', undefined],
		['Estoy de vacaciones la próxima semana. ¿Hablamos a la vuelta?', undefined],
		['Ik ben met vakantie volgende week, laten we daarna bellen.', undefined],
		['Sono in ferie la prossima settimana, sentiamoci dopo il 20?', undefined],
		['Estou de férias na próxima semana, podemos falar depois do dia 20?', undefined],
		["Je suis actuellement absente jusqu'au 14 mars inclus, avec un accès limité à mes e-mails.", 'body:auto-reply'],
		['Estoy fuera de la oficina hasta el 14 de marzo. Para asuntos urgentes escriba a info@prospect.example.', 'body:auto-reply'],
	])('%j → %s', (text, rule) => {
		expect(autoReplyWording('Re: Quick question', text)).toBe(rule);
	});
});
