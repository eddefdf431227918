/**
 * Issue 11: a delay warning is not a bounce. A remote MTA's RFC 3464 report with `Action: delayed` (it
 * is still trying) arrives through the real Postfix (null reverse-path, as MTAs send reports) into the
 * sender's Dovecot INBOX: the SMTP Sequence must go on with the prospect. The final failure report that
 * follows (`Action: failed`) stops them as bounced.
 */
import nodemailer from 'nodemailer';
import { sequenceMessageId } from '../../core/mail/message-id';
import { addressOf, resetMailboxes, stack } from '../helpers/mailstack';
import { runAt, sequenceRequest, waitForMessage, type TestStep } from '../helpers/sequence';

/** A Monday three weeks ago, 09:00 UTC: the reports that arrive now are later than the simulated sends. */
const MONDAY = (() => {
	const d = new Date(Date.now() - 21 * 24 * 60 * 60 * 1000);
	d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
	d.setUTCHours(9, 0, 0, 0);
	return d;
})();
const days = (n: number) => new Date(MONDAY.getTime() + n * 24 * 60 * 60 * 1000);
const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

const steps: TestStep[] = [
	{ subject: 'Question for {{ company }}', text: 'Hi {{ name }}, quick question.' },
	{ subject: '', text: 'Hi {{ name }}, bumping this.', wait: { amount: 2, unit: 'days' } },
	{ subject: '', text: 'Last one, {{ name }}.', wait: { amount: 2, unit: 'days' } },
];

/** An RFC 3464 report about `original` (our Message-ID) to `recipient`, as a remote MTA writes it. */
function report(options: { to: string; recipient: string; original: string; action: 'delayed' | 'failed'; status: string; diagnostic: string; id: string }): string {
	const boundary = `b-${options.id}`;
	const delayed = options.action === 'delayed';
	return [
		'From: Mail Delivery System <MAILER-DAEMON@mx.remote.example>',
		`To: <${options.to}>`,
		`Subject: ${delayed ? 'Delayed Mail (still being retried)' : 'Undelivered Mail Returned to Sender'}`,
		`Message-ID: <${options.id}@mx.remote.example>`,
		`Date: ${new Date().toUTCString()}`,
		'Auto-Submitted: auto-replied',
		'MIME-Version: 1.0',
		`Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
		'',
		`--${boundary}`,
		'Content-Type: text/plain; charset=us-ascii',
		'',
		delayed
			? '# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n\nYour message could not be delivered for more than 4 hour(s).\nIt will be retried until it is 5 day(s) old.'
			: "I'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.",
		'',
		`--${boundary}`,
		'Content-Type: message/delivery-status',
		'',
		'Reporting-MTA: dns; mx.remote.example',
		'',
		`Final-Recipient: rfc822; ${options.recipient}`,
		`Action: ${options.action}`,
		`Status: ${options.status}`,
		`Diagnostic-Code: smtp; ${options.diagnostic}`,
		'',
		`--${boundary}`,
		'Content-Type: text/rfc822-headers',
		'',
		`To: ${options.recipient}`,
		`Message-ID: ${options.original}`,
		'Subject: Question',
		'',
		`--${boundary}--`,
		'',
	].join('\r\n');
}

/** Delivers `raw` through the real Postfix's MX port with the null reverse-path (RFC 5321 §4.5.5). */
async function deliverReport(to: string, raw: string): Promise<void> {
	const transport = nodemailer.createTransport({ host: stack.host, port: stack.mxPort, secure: false, ignoreTLS: true });
	try {
		await transport.sendMail({ envelope: { from: '', to: [to] }, raw });
	} finally {
		transport.close();
	}
}

beforeAll(() => resetMailboxes('u133', 'u134'));

describe('a delay warning does not stop the prospect; the final bounce does (issue 11, real Postfix + Dovecot)', () => {
	it('sends step 2 after an Action: delayed report, and stops after the Action: failed report that follows', async () => {
		const key = `delay-${unique()}`;
		const sender = addressOf('u133');
		const prospect = addressOf('u134');
		const request = sequenceRequest({ sender: 'u133', sequenceKey: key, steps, prospects: [{ email: prospect, name: 'Dana', company: 'Delay Inc' }] });

		expect((await runAt(request, MONDAY)).map((r) => [r.status, r.step])).toEqual([['sent', 1]]);
		const step1 = sequenceMessageId(key, prospect, 1, 'example.test');
		await deliverReport(
			sender,
			report({ to: sender, recipient: prospect, original: step1, action: 'delayed', status: '4.4.1', diagnostic: '421 4.4.1 connect to mx.prospect.example: Connection timed out', id: `d-${unique()}` }),
		);
		const warning = await waitForMessage('u133', (m) => m.subject.startsWith('Delayed Mail'));
		expect(warning.headers).toMatch(/^Return-Path: <>/m);

		const run2 = await runAt(request, days(2));
		expect(run2.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([['sent', 2]]);

		const step2 = sequenceMessageId(key, prospect, 2, 'example.test');
		await deliverReport(
			sender,
			report({ to: sender, recipient: prospect, original: step2, action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 <' + prospect + '>: Recipient address rejected: User unknown', id: `f-${unique()}` }),
		);
		await waitForMessage('u133', (m) => m.subject.startsWith('Undelivered Mail'));

		const run3 = await runAt(request, days(4));
		expect(run3.map((r) => [r.status, r.stopReason ?? r.step])).toEqual([['stopped', 'bounced']]);
	});
});
