/**
 * The classifier's shape (issue 11): each signal extractor alone, the decision table alone, and the
 * classes they make together, with their stable `reason`, `confidence` and `signals`.
 */
import { classify } from '../../../core/classify/classify';
import { decide, ruleCode, SignalSet, DECISION_TABLE } from '../../../core/classify/decision-table';
import { parseMessage } from '../../../core/classify/parse';
import { autoReplyWordingSignals, headerSignals, mtaWordingSignals, reportSignals, returnDateSignals, unsubscribeSignals, type Signal } from '../../../core/classify/signals';

const mail = (head: string[], body: string): Promise<ReturnType<typeof parseMessage> extends Promise<infer T> ? T : never> =>
	parseMessage([...head, 'MIME-Version: 1.0', '', body].join('\r\n'));
const names = (signals: readonly Signal[]): string[] => signals.map((s) => s.name);

describe('signal extractors, each alone', () => {
	it('headers: RFC 3834 Auto-Submitted, bulk precedence, the null reverse-path, a reply prefix', async () => {
		const facts = await mail(['Return-Path: <>', 'From: a@b.example', 'Subject: Re: x', 'Auto-Submitted: auto-replied', 'Precedence: junk'], 'x');
		expect(names(headerSignals(facts).signals)).toEqual(['header:auto-submitted=auto-replied', 'header:precedence=junk', 'header:return-path=<>', 'subject:reply-prefix']);
		expect(names(headerSignals(await mail(['From: a@b.example', 'Subject: hello', 'Auto-Submitted: no'], 'x')).signals)).toEqual([]);
	});

	it('MTA wording: a mail system sender, a bounce subject and body, a delay warning', async () => {
		const facts = await mail(
			['From: MAILER-DAEMON@mx.example', 'Subject: Warning: message 1abc-000 delayed 24 hours'],
			'A message that you sent has not yet been delivered to one or more of its recipients after more than 24 hours on the queue.\n\nNo action is required on your part.',
		);
		expect(names(mtaWordingSignals(facts, facts.text).signals)).toEqual(['from:mail-system', 'subject:bounce', 'body:delay-warning']);
	});

	it('MTA wording: a final failure is never a delay warning, even when it mentions retries', async () => {
		const facts = await mail(
			['From: MAILER-DAEMON@mx.example', 'Subject: failure notice'],
			"Hi. This is the qmail-send program. I'm afraid I wasn't able to deliver your message. This is a permanent error; I've given up. Sorry it didn't work out.\n\nwill retry later",
		);
		expect(names(mtaWordingSignals(facts, facts.text).signals)).not.toContain('body:delay-warning');
	});

	it('report: RFC 3464 delayed, failed and delivered are three different signals', async () => {
		const dsn = (action: string) =>
			mail(
				['From: MAILER-DAEMON@mx.example', 'Subject: report', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"'],
				['--b', 'Content-Type: text/plain', '', 'report', '--b', 'Content-Type: message/delivery-status', '', 'Reporting-MTA: dns; mx', '', 'Final-Recipient: rfc822; p@q.example', `Action: ${action}`, 'Status: 4.4.1', '--b--', ''].join('\r\n'),
			);
		for (const [action, name] of [['delayed', 'dsn:action=delayed'], ['failed', 'dsn:action=failed'], ['delivered', 'dsn:delivered']]) {
			const facts = await dsn(action);
			expect(names(reportSignals(facts, facts.text).signals)).toEqual([name]);
		}
	});

	it('auto-reply wording: subject, body, a person writing, an acknowledgement subject, challenge-response', () => {
		expect(names(autoReplyWordingSignals('Automatic reply: hello', '').signals)).toEqual(['subject:auto-reply']);
		expect(names(autoReplyWordingSignals('Re: x', 'Je suis en vacances la semaine prochaine, on en parle à mon retour ?').signals)).toEqual(['body:auto-reply', 'body:conversational']);
		expect(names(autoReplyWordingSignals('Thank you for your e-mail', 'We will answer shortly.').signals)).toEqual(['subject:acknowledgement']);
		expect(names(autoReplyWordingSignals('Re: x', 'The message you sent requires that you verify that you are a real live human being and not a spam source.').signals)).toEqual([
			'body:challenge-response',
		]);
	});

	it('unsubscribe and return date', () => {
		expect(unsubscribeSignals('Please remove me from your list.', 'Re: x')).toMatchObject({ unsubscribe: 'remove me', signals: [{ name: 'text:unsubscribe "remove me"' }] });
		expect(returnDateSignals('I am back on 3 March 2025.', new Date('2025-02-26T00:00:00Z'))).toMatchObject({ returnDate: '2025-03-03', signals: [{ name: 'text:return-date' }] });
	});
});

describe('the decision table', () => {
	const pick = (...keys: Signal['key'][]): string => {
		const set = new SignalSet(keys.map((key) => ({ key, name: key })));
		const rule = decide(set);
		return `${rule.class} ${ruleCode(rule, set)}`;
	};
	it.each<[Signal['key'][], string]>([
		[['dsn-delayed', 'mail-system-sender', 'bounce-subject'], 'bounce dsn:delayed'],
		[['delay-warning', 'mail-system-sender', 'bounce-subject'], 'bounce bounce:delay-warning'],
		[['mail-system-sender', 'bounce-body', 'auto-header'], 'bounce bounce:sender'],
		[['bounce-subject', 'bounce-body', 'reply-prefix'], 'reply default:human'],
		[['null-sender', 'bulk-header'], 'autoReply weak:null-sender+bulk'],
		[['acknowledgement-subject'], 'reply default:human'],
		[['acknowledgement-subject', 'null-sender'], 'autoReply weak:acknowledgement'],
		[['auto-body', 'conversational'], 'reply default:human'],
		[['return-date'], 'reply default:human'],
		[['return-date', 'bulk-header'], 'autoReply weak:return-date'],
		[['unsubscribe-text', 'auto-subject'], 'autoReply subject:auto-reply'],
		[[], 'reply default:human'],
	])('%j → %s', (keys, want) => {
		expect(pick(...keys)).toBe(want);
	});

	it('ends with the default row, and every bounce row says whether it is final', () => {
		expect(DECISION_TABLE[DECISION_TABLE.length - 1]).toMatchObject({ class: 'reply', code: 'default:human' });
		for (const rule of DECISION_TABLE.filter((r) => r.class === 'bounce')) expect(typeof rule.final).toBe('boolean');
	});
});

describe('delay warnings are bounces with final: false (issue 11)', () => {
	it('an Exim delay warning (prose, no DSN part) is a bounce that is neither final nor hard', async () => {
		const facts = await mail(
			['Return-Path: <>', 'From: Mail Delivery System <Mailer-Daemon@mx.example>', 'To: sender@example.test', 'Subject: Warning: message 1abc-000 delayed 24 hours'],
			[
				'This message was created automatically by mail delivery software.',
				'A message that you sent has not yet been delivered to one or more of its',
				'recipients after more than 24 hours on the queue on mx.example.',
				'',
				'  jana@prospect.example',
				'    Delay reason: SMTP error from remote mail server after RCPT TO:<jana@prospect.example>:',
				'    452 4.2.2 Mailbox full',
				'',
				'No action is required on your part. Delivery attempts will continue for some time, and this',
				'warning may be repeated at intervals if the message remains undelivered. Eventually the mail',
				'delivery software will give up, and when that happens, the message will be returned to you.',
			].join('\r\n'),
		);
		const result = classify(facts);
		expect(result).toMatchObject({ class: 'bounce', reason: 'bounce:delay-warning', final: false, hard: false, recipients: [{ address: 'jana@prospect.example', final: false, hard: false }] });
		expect(result.signals).toEqual(['body:delay-warning', 'from:mail-system', 'subject:bounce', 'body:bounce', 'header:return-path=<>']);
	});

	it('a DSN with one failed and one delayed recipient is final for the failed one only', async () => {
		const facts = await mail(
			['From: MAILER-DAEMON@mx.example', 'Subject: Undelivered Mail Returned to Sender', 'Content-Type: multipart/report; report-type=delivery-status; boundary="b"'],
			[
				'--b', 'Content-Type: text/plain', '', 'report', '--b', 'Content-Type: message/delivery-status', '',
				'Reporting-MTA: dns; mx', '',
				'Final-Recipient: rfc822; gone@q.example', 'Action: failed', 'Status: 5.1.1', '',
				'Final-Recipient: rfc822; slow@r.example', 'Action: delayed', 'Status: 4.4.1', '--b--', '',
			].join('\r\n'),
		);
		expect(classify(facts)).toMatchObject({
			class: 'bounce',
			reason: 'dsn:multipart-report',
			final: true,
			recipients: [{ address: 'gone@q.example', final: true, hard: true }, { address: 'slow@r.example', final: false, hard: false }],
		});
	});

	it('every class carries its rule, a confidence and the signals it read', async () => {
		const human = classify(await mail(['From: jana@prospect.example', 'Subject: Re: hello'], 'Yes, let us talk.'));
		expect(human).toMatchObject({ class: 'reply', reason: 'default:human', confidence: 0.8, signals: [] });
		const auto = classify(await mail(['From: jana@prospect.example', 'Subject: Out of office', 'Auto-Submitted: auto-replied'], 'I am out of the office.'));
		expect(auto).toMatchObject({ class: 'autoReply', reason: 'header:auto-submitted=auto-replied', confidence: 0.95, signals: ['header:auto-submitted=auto-replied'] });
	});
});
