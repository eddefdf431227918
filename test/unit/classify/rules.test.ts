/** Table tests, one table per rule family of the reply classifier. */
import { bounceReason, isHardBounce, smtpCommand } from '../../../core/classify/bounce-reason';
import { findStatus } from '../../../core/classify/bounce-text';
import { classify } from '../../../core/classify/classify';
import { parseDeliveryStatus } from '../../../core/classify/dsn';
import { parseMessage } from '../../../core/classify/parse';
import { findSequenceRefs } from '../../../core/classify/refs';
import { autoReplyWording } from '../../helpers/auto-reply-rule';
import { extractReplyText } from '../../../core/classify/reply-text';
import { findReturnDate } from '../../../core/classify/return-date';
import { unsubscribeRequest } from '../../../core/classify/unsubscribe';
import { sequenceMessageId } from '../../../core/mail/message-id';

describe('bounce reason and hard/soft', () => {
	it.each([
		['5.1.1', '550 5.1.1 <k@example.jp>... User Unknown', 'userunknown', true],
		['5.1.2', '550 5.1.2 <k@example.org>... Host unknown (Name server: example.org: host not found)', 'hostunknown', true],
		['5.1.6', '550 5.1.6 Destination mailbox has moved, No forwarding address', 'hasmoved', true],
		['5.1.10', '550 5.1.10 Recipient address has null MX', 'notaccept', true],
		['5.2.2', '552 5.2.2 <k@example.com>: Recipient address rejected: Mailbox full', 'mailboxfull', false],
		['5.2.1', '550 5.2.1 The email account that you tried to reach is disabled.', 'suspend', false],
		['5.7.26', '550 5.7.26 Unauthenticated email from example.jp is not accepted due to domain\'s DMARC policy', 'authfailure', false],
		['5.7.1', '550 5.7.1 IP address blacklisted by recipient', 'blocked', false],
		['5.1.8', '501 5.1.8 Sender address rejected', 'rejected', false],
		[undefined, 'Sorry, no mailbox here by that name. (#5.1.1)', 'userunknown', true],
		[undefined, '550 Unknown user k@example.net (in reply to end of DATA command)', 'filtered', false],
		[undefined, '550 Unknown user k@example.net (in reply to RCPT TO command)', 'userunknown', true],
		['4.4.3', 'Host or domain name not found. Name service error (try again)', 'networkerror', false],
		['4.4.7', 'retry time not reached for any host after a long failure period', 'expired', false],
	])('%s %s → %s (hard %s)', (status, text, reason, hard) => {
		expect(bounceReason(status, text)).toBe(reason);
		expect(isHardBounce(bounceReason(status, text), status)).toBe(hard);
	});

	it('treats a temporary null-MX refusal as soft', () => {
		expect(isHardBounce('notaccept', '4.3.2')).toBe(false);
	});

	it.each([
		['SMTP error from remote mail server after RCPT TO:<k@example.jp>:', 'RCPT'],
		['(in reply to end of DATA command)', 'DATA'],
		['SMTP error from remote mail server after MAIL FROM:<s@example.jp> SIZE=1543:', 'MAIL'],
		['550 User unknown', undefined],
	])('SMTP phase of %s → %s', (text, command) => {
		expect(smtpCommand(text)).toBe(command);
	});

	it.each([
		['250 2.1.5 Ok\n550 5.1.1 <k@example.jp>... User unknown', '5.1.1'],
		['554 5.0.0 Service unavailable; 550 5.2.2 Mailbox Full', '5.2.2'],
		['no code here', undefined],
	])('status in %j → %s', (text, status) => {
		expect(findStatus(text)).toBe(status);
	});
});

describe('RFC 3464 delivery-status fields', () => {
	it('reads per-recipient blocks with type prefixes stripped', () => {
		const body = [
			'Reporting-MTA: dns; mx.example.jp',
			'',
			'Final-Recipient: rfc822; Kijitora@Example.JP',
			'Action: failed',
			'Status: 5.1.1',
			'Diagnostic-Code: smtp; 550 5.1.1 <kijitora@example.jp>...',
			'    User Unknown',
			'',
			'Final-Recipient: rfc822; <neko@example.jp>',
			'Action: delayed',
			'Status: 4.4.7',
		].join('\r\n');
		expect(parseDeliveryStatus(body)).toEqual([
			expect.objectContaining({ address: 'kijitora@example.jp', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <kijitora@example.jp>... User Unknown' }),
			expect.objectContaining({ address: 'neko@example.jp', action: 'delayed', status: '4.4.7' }),
		]);
	});
});

describe('reply text', () => {
	it.each([
		['Gmail', 'Sounds good.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan <m@example.com> wrote:\n\n> Hi', 'Sounds good.'],
		['Gmail wrapped attribution', 'Yes.\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan One <m@example.com>\nwrote:\n> Hi', 'Yes.'],
		['German', 'Gern.\n\nAm 04.03.2025 um 09:12 schrieb Alex <a@example.com>:\n> Hallo', 'Gern.'],
		['French', 'Oui.\n\nLe mar. 4 mars 2025 à 09:12, Alex <a@example.com> a écrit :\n> Bonjour', 'Oui.'],
		['Outlook block', 'Ok.\n\nFrom: Alex <a@example.com>\nSent: Tuesday, March 4, 2025 9:12 AM\nTo: Rob\nSubject: Hi\n\nHi Rob', 'Ok.'],
		['Original Message', 'Fine.\n\n-----Original Message-----\nFrom: Alex', 'Fine.'],
		['bare > quote', 'Agreed.\n> earlier\n> text', 'Agreed.'],
		['signature', 'Thanks!\n-- \nJane Doe\nCEO', 'Thanks!'],
		['mobile footer', 'Sure\n\nSent from my iPhone', 'Sure'],
		['Italian footer', 'Va bene\n\nInviato da iPhone', 'Va bene'],
	])('%s', (_client, text, expected) => {
		expect(extractReplyText(text)).toBe(expected);
	});

	it('falls back to HTML and drops the Gmail quote container', () => {
		const html = '<div>Ja, graag.</div><div class="gmail_quote">Op di 4 mrt schreef Alex:<blockquote>Hoi</blockquote></div>';
		expect(extractReplyText('', html)).toBe('Ja, graag.');
	});
});

describe('auto-reply wording', () => {
	it.each([
		['Automatic reply: Quick question', '', 'subject:auto-reply'],
		['Automatische Antwort: Frage', '', 'subject:auto-reply'],
		['Réponse automatique : Question', '', 'subject:auto-reply'],
		['Hello', 'I am out of the office until Monday.', 'body:auto-reply'],
		['Hallo', 'Ich bin derzeit nicht im Büro.', 'body:auto-reply'],
		['Re: Question', "Thanks! I'm on holiday next week, can we talk after?", undefined],
		['Re: Out of office next week?', 'Can we meet before you leave?', undefined],
		// issue 11: localised subject prefixes and first-person absence wording in more languages
		['Automatyczna odpowiedź: Pytanie', '', 'subject:auto-reply'],
		['Automatiskt svar: Fråga', '', 'subject:auto-reply'],
		['Automatická odpověď: Dotaz', '', 'subject:auto-reply'],
		['Автоответ: Вопрос', '', 'subject:auto-reply'],
		['自動応答: ご質問', '', 'subject:auto-reply'],
		['自动回复: 问题', '', 'subject:auto-reply'],
		['Hello', 'Jestem obecnie na urlopie do 7 grudnia.', 'body:auto-reply'],
		['Hello', 'Jag är ledig till och med 7 december.', 'body:auto-reply'],
		['Hello', 'Jeg er på ferie til 7. desember.', 'body:auto-reply'],
		['Hello', 'Olen lomalla 6.12.2026 asti.', 'body:auto-reply'],
		['Hello', 'Jsem mimo kancelář do 6. prosince.', 'body:auto-reply'],
		['Hello', 'Я в отпуске до 7 декабря.', 'body:auto-reply'],
		['Hello', '現在休暇中のため、12月7日以降にご連絡いたします。', 'body:auto-reply'],
		['Hello', '我目前休假，12月7日返回。', 'body:auto-reply'],
		['Hello', 'I am currently out of the office. I will respond when I am back.', 'body:auto-reply'],
		['Hello', 'The message you sent requires that you verify that you are a real live human being.', 'body:challenge-response'],
		// people writing stay replies
		['Re: Question', "I'm on holiday, can we talk after the 20th?", undefined],
		['Re: Pytanie', 'Jestem na urlopie w przyszłym tygodniu, porozmawiajmy potem.', undefined],
		['Re: Fråga', 'Jag är ledig nästa vecka, låt oss höras efter det.', undefined],
		['Thank you for your email', 'Could you send me the pricing for 20 seats?', undefined],
	])('%j / %j → %s', (subject, body, rule) => {
		expect(autoReplyWording(subject, body)).toBe(rule);
	});
});

describe('return date', () => {
	const sent = new Date('2025-02-26T10:00:00Z');
	it.each([
		['I will be back on 3 March 2025.', '2025-03-03'],
		['back on Monday, March 3rd', '2025-03-03'],
		// "until X" names the last day away: back the day after
		['Ich bin bis zum 21.03.2025 nicht im Büro.', '2025-03-22'],
		['Ich bin bis 14. März nicht im Büro.', '2025-03-15'],
		["Je suis absente jusqu'au 3 avril 2025 inclus.", '2025-04-04'],
		["Je suis absent jusqu'au 14 mars.", '2025-03-15'],
		['Vuelvo el 8 de abril de 2025.', '2025-04-08'],
		['Estoy de vacaciones hasta el 31 de marzo.', '2025-04-01'],
		['Ik ben afwezig tot en met 12-05-2025.', '2025-05-13'],
		['Sono fuori ufficio fino al 2 giugno 2025.', '2025-06-03'],
		['Estou fora do escritório até 2 de maio de 2025.', '2025-05-03'],
		['I am out of the office until 14 March.', '2025-03-15'],
		// "back on X" wins over "until"
		["I'm out until Friday 14 March and back on Monday 17 March.", '2025-03-17'],
		['Ich bin bis 14. März im Urlaub und ab dem 18. März wieder im Büro.', '2025-03-18'],
		['Back on 2 January', '2026-01-02'],
		// US English: numeric dates month first only when the text writes month-first word dates
		["I'm out of the office Monday, March 3 through 03/07/2025.", '2025-03-08'],
		['I am out of the office until 03/07/2025.', '2025-07-04'],
		['I am out of the office until 03/17/2025.', '2025-03-18'],
		['I am away with no access to email.', undefined],
	])('%j → %s', (text, date) => {
		expect(findReturnDate(text, sent)).toBe(date);
	});
});

describe('return date (issue 11): a named return workday, ISO dates, bare weekdays, more languages', () => {
	// Wednesday 2 December 2026, as the message date
	const sent = new Date('2026-12-02T09:00:00Z');
	it.each([
		// "until" + a workday written with its weekday: the sender names the day they are back
		['I am out of the office until Monday, December 7, with limited access to email.', '2026-12-07'],
		["Je suis absent jusqu'au lundi 7 décembre.", '2026-12-07'],
		['Ich bin bis Montag, 7. Dezember nicht im Büro.', '2026-12-07'],
		['Estaré fuera hasta el lunes 7 de diciembre.', '2026-12-07'],
		['Jsem mimo kancelář do pondělí 7. prosince.', '2026-12-07'],
		// …unless the cue or the text says inclusive, or the named day is a weekend day
		['I am out of the office through Monday, December 7.', '2026-12-08'],
		["Je suis absent jusqu'au lundi 7 décembre inclus.", '2026-12-08'],
		['Ich bin bis einschließlich Montag, 7. Dezember nicht im Büro.', '2026-12-08'],
		['Out until Sunday, December 6.', '2026-12-07'],
		// ISO dates and "resume"
		['Replies will resume on 2027-01-04.', '2027-01-04'],
		['Back on 2027-01-04.', '2027-01-04'],
		// a weekday alone: its next occurrence after the message date
		['I am back on Monday.', '2026-12-07'],
		['I am out until Tuesday.', '2026-12-08'],
		// "do"/"to"/"til" count only right before a date: "I do not have access" is no cue
		['I do not have access to email until 7 December.', '2026-12-08'],
		['Jestem na urlopie do 7 grudnia. Wracam 8 grudnia.', '2026-12-08'],
		['Jag är ledig till och med 7 december.', '2026-12-08'],
		['Jag är tillbaka måndag 7 december.', '2026-12-07'],
		['Jeg er på ferie til og med 7. desember.', '2026-12-08'],
		['Jeg er tilbage mandag den 7. december.', '2026-12-07'],
		['Olen lomalla 6.12.2026 asti.', '2026-12-07'],
		['Palaan 7.12.2026.', '2026-12-07'],
		['Я в отпуске до 7 декабря.', '2026-12-08'],
		['Я в отпуске по 6 декабря включительно.', '2026-12-07'],
		['Вернусь 7 декабря.', '2026-12-07'],
		['12月6日まで休暇を取っております。', '2026-12-07'],
		['12月7日から出社いたします。', '2026-12-07'],
		['我将休假至2026年12月6日。', '2026-12-07'],
		['我12月7日返回办公室。', '2026-12-07'],
	])('%j → %s', (text, date) => {
		expect(findReturnDate(text, sent)).toBe(date);
	});

	it('reads no year-less date without a reference (the clock is injected, never read)', () => {
		expect(findReturnDate('I will be back on 3 March.')).toBeUndefined();
		expect(findReturnDate('I will be back on 3 March 2027.')).toBe('2027-03-03');
	});
});

describe('unsubscribe requests', () => {
	it.each([
		['Please remove me from your list.', true],
		['Unsubscribe', true],
		['Bitte austragen.', true],
		['Merci de me désinscrire.', true],
		['Por favor, denme de baja.', true],
		['Graag uitschrijven.', true],
		['Cancellatemi dalla lista.', true],
		['Não quero receber mais e-mails.', true],
		['Not interested, thanks.', false],
		['Yes, call me tomorrow.', false],
	])('%j → %s', (text, removal) => {
		expect(unsubscribeRequest(text, 'Re: Quick question') !== undefined).toBe(removal);
	});
});

describe('sequence refs', () => {
	const ours = sequenceMessageId('q1-outreach', 'jana@prospect.example', 2, 'seller.example');

	it('reads our id from a reply\'s In-Reply-To', async () => {
		const raw = `From: jana@prospect.example\r\nTo: alex@seller.example\r\nSubject: Re: Hi\r\nIn-Reply-To: ${ours}\r\nReferences: <other@x.example> ${ours}\r\n\r\nYes\r\n`;
		const refs = findSequenceRefs(await parseMessage(raw));
		expect(refs.refs).toHaveLength(1);
		expect(refs.refs[0].step).toBe(2);
	});

	it('reads the returned original\'s Message-ID from a DSN', async () => {
		const raw = [
			'From: MAILER-DAEMON@mx.seller.example',
			'To: alex@seller.example',
			'Subject: Undelivered Mail Returned to Sender',
			'MIME-Version: 1.0',
			'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
			'',
			'--b1',
			'Content-Type: text/plain',
			'',
			'<jana@prospect.example>: host mx.prospect.example said: 550 5.1.1 User unknown (in reply to RCPT TO command)',
			'--b1',
			'Content-Type: message/delivery-status',
			'',
			'Reporting-MTA: dns; mx.seller.example',
			'',
			'Final-Recipient: rfc822; jana@prospect.example',
			'Action: failed',
			'Status: 5.1.1',
			'Diagnostic-Code: smtp; 550 5.1.1 <jana@prospect.example>: User unknown',
			'--b1',
			'Content-Type: text/rfc822-headers',
			'',
			'From: alex@seller.example',
			'To: jana@prospect.example',
			`Message-ID: ${ours}`,
			'Subject: Hi',
			'--b1--',
			'',
		].join('\r\n');
		const facts = await parseMessage(raw);
		const refs = findSequenceRefs(facts);
		expect(refs.originalMessageId).toBe(ours);
		expect(refs.refs.map((r) => r.step)).toEqual([2]);
		const result = classify(facts);
		expect(result).toMatchObject({ class: 'bounce', hard: true, recipients: [{ address: 'jana@prospect.example', status: '5.1.1', reason: 'userunknown' }] });
	});
});
