/**
 * The IMAP Reply Trigger's items carry the variant of the step a message answers, read from our
 * Message-ID alone: replies (In-Reply-To), auto-replies, and bounces (the returned original's headers).
 */
import { readInbound } from '../../../core/classify/inbound';
import { sequenceMessageId } from '../../../core/mail/message-id';
import { examineMessage } from '../../../core/trigger/examine-message';
import { indexSequenceKeys } from '../../../core/trigger/sequence-match';
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';

const key = 'ab-test';
const prospect = 'pat@prospect.test';
const step1B = sequenceMessageId(key, prospect, 1, 'sender.test', 1);
const step2 = sequenceMessageId(key, prospect, 2, 'sender.test');

function raw(lines: string[]): Buffer {
	return Buffer.from(lines.join('\r\n'));
}

async function itemOf(source: Buffer) {
	return examineMessage(await readInbound(source), { folder: 'INBOX', uid: 1 }, resolveTriggerOptions(), indexSequenceKeys([key])).item;
}

describe('variant on trigger items', () => {
	it('a reply to variant B of step 1 says variant "B"', async () => {
		const item = await itemOf(raw([`From: ${prospect}`, 'To: me@sender.test', 'Subject: Re: hi', `In-Reply-To: ${step1B}`, `References: ${step1B}`, 'Content-Type: text/plain', '', 'Sounds good, call me.', '']));
		expect(item).toMatchObject({ class: 'reply', step: 1, variant: 'B', sequenceKey: key, prospectEmail: prospect });
	});

	it('an auto-reply to variant B says variant "B"', async () => {
		const item = await itemOf(
			raw([`From: ${prospect}`, 'To: me@sender.test', 'Subject: Out of office', 'Auto-Submitted: auto-replied', `In-Reply-To: ${step1B}`, 'Content-Type: text/plain', '', 'I am out of the office until Monday.', '']),
		);
		expect(item).toMatchObject({ class: 'autoReply', step: 1, variant: 'B' });
	});

	it('a bounce of variant B says variant "B" (from the returned headers)', async () => {
		const item = await itemOf(
			raw([
				'From: MAILER-DAEMON@sender.test',
				'To: me@sender.test',
				'Subject: Undelivered Mail Returned to Sender',
				'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
				'',
				'--b',
				'Content-Type: text/plain',
				'',
				'The mail could not be delivered.',
				'--b',
				'Content-Type: message/delivery-status',
				'',
				'Reporting-MTA: dns; sender.test',
				'',
				`Final-Recipient: rfc822; ${prospect}`,
				'Action: failed',
				'Status: 5.1.1',
				'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
				'--b',
				'Content-Type: text/rfc822-headers',
				'',
				`Message-ID: ${step1B}`,
				`To: ${prospect}`,
				'Subject: hi',
				'--b--',
				'',
			]),
		);
		expect(item).toMatchObject({ class: 'bounce', step: 1, variant: 'B', prospectEmail: prospect });
	});

	it('a reply to a step without variants has variant null', async () => {
		const item = await itemOf(raw([`From: ${prospect}`, 'To: me@sender.test', 'Subject: Re: hi', `In-Reply-To: ${step2}`, 'Content-Type: text/plain', '', 'Yes please.', '']));
		expect(item).toMatchObject({ class: 'reply', step: 2, variant: null });
	});
});
