/**
 * Raw messages for large synthetic mailboxes (`maildir-seed.ts`): our sequence copies in Sent as the
 * node files them, everyday sent and received mail, spam, and the answers a sequence gets — replies in
 * the thread, replies that break it, auto-replies and delivery status notifications. Deterministic: the
 * same arguments give the same bytes.
 */
import { sequenceMessageId } from '../../core/mail/message-id';
import { CLAIM_KEYWORD, SENT_KEYWORD } from '../../transport/sent-claim';
import type { SeedMessage } from './maildir-seed';

const DOMAIN = 'example.test';

function rfc822Date(date: Date): string {
	return date.toUTCString().replace('GMT', '+0000');
}

function message(headers: string[], body: string): string {
	return `${headers.join('\r\n')}\r\nMIME-Version: 1.0\r\n${body}`;
}

/** Deterministic filler text of about `bytes` bytes (wrapped at 76 characters). */
export function filler(seed: number, bytes: number): string {
	const words = ['pipeline', 'quarter', 'meeting', 'invoice', 'review', 'launch', 'budget', 'team', 'offsite', 'report', 'schedule', 'draft', 'customer', 'renewal'];
	const out: string[] = [];
	let line = '';
	let size = 0;
	let x = seed * 2654435761;
	while (size < bytes) {
		x = (x * 1103515245 + 12345) % 2147483648;
		const word = words[x % words.length];
		if (line.length + word.length + 1 > 76) {
			out.push(line);
			size += line.length + 2;
			line = '';
		}
		line = line ? `${line} ${word}` : word;
	}
	if (line) out.push(line);
	return out.join('\r\n');
}

/** A base64 attachment part body of about `bytes` bytes. */
function attachmentBase64(seed: number, bytes: number): string {
	const raw = Buffer.alloc(Math.floor((bytes * 3) / 4));
	let x = seed;
	for (let i = 0; i < raw.length; i++) {
		x = (x * 1103515245 + 12345) % 2147483648;
		raw[i] = x & 0xff;
	}
	return raw.toString('base64').replace(/.{76}/g, '$&\r\n');
}

/** One step of a sequence as our claim puts it in Sent (keywords `$SeqClaim $SeqSent`). */
export function sequenceCopy(options: {
	sequenceKey: string;
	sender: string;
	prospect: string;
	step: number;
	sentAt: Date;
	subject: string;
}): SeedMessage {
	const { sequenceKey, sender, prospect, step, sentAt, subject } = options;
	const id = sequenceMessageId(sequenceKey, prospect, step, DOMAIN);
	const earlier = Array.from({ length: step - 1 }, (_, i) => sequenceMessageId(sequenceKey, prospect, i + 1, DOMAIN));
	const headers = [
		`From: Sam <${sender}>`,
		`To: ${prospect}`,
		`Subject: ${step === 1 ? subject : `Re: ${subject}`}`,
		`Date: ${rfc822Date(sentAt)}`,
		`Message-ID: ${id}`,
		...(earlier.length ? [`In-Reply-To: ${earlier[earlier.length - 1]}`, `References: ${earlier.join(' ')}`] : []),
		`List-Unsubscribe: <mailto:${sender}?subject=unsubscribe>`,
	];
	const body = `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\nHi,\r\n\r\n${filler(step * 7919 + prospect.length, 600)}\r\n\r\nBest,\r\nSam\r\n`;
	return { raw: message(headers, body), receivedAt: sentAt, keywords: [CLAIM_KEYWORD, SENT_KEYWORD] };
}

/** Everyday mail the user sent by hand. */
export function everydaySent(index: number, sender: string, sentAt: Date): SeedMessage {
	const headers = [
		`From: Sam <${sender}>`,
		`To: colleague${index % 40}@partner${index % 7}.test`,
		`Subject: ${['Notes', 'Invoice', 'Agenda', 'Follow-up', 'Question'][index % 5]} ${index}`,
		`Date: ${rfc822Date(sentAt)}`,
		`Message-ID: <sent.${index}.${sentAt.getTime()}@${DOMAIN}>`,
	];
	return { raw: message(headers, `Content-Type: text/plain; charset=utf-8\r\n\r\n${filler(index, 900 + (index % 5) * 400)}\r\n`), receivedAt: sentAt };
}

/**
 * Everyday inbound mail: newsletters, colleagues, notifications; one in `attachmentEvery` carries an
 * attachment of `attachmentBytes` (a server-side body search reads those too).
 */
export function everydayInbound(index: number, recipient: string, receivedAt: Date, attachmentEvery = 40, attachmentBytes = 150_000): SeedMessage {
	const from = `${['news', 'alerts', 'billing', 'jo', 'maria', 'team'][index % 6]}${index % 300}@sender${index % 97}.test`;
	const headers = [
		`Return-Path: <${from}>`,
		`From: ${from}`,
		`To: ${recipient}`,
		`Subject: ${['Weekly digest', 'Your invoice', 'Lunch?', 'Build passed', 'Re: Q3 plan', 'Webinar'][index % 6]} #${index}`,
		`Date: ${rfc822Date(receivedAt)}`,
		`Message-ID: <in.${index}.${receivedAt.getTime()}@sender${index % 97}.test>`,
	];
	const text = filler(index + 17, 1500 + (index % 7) * 500);
	if (index % attachmentEvery !== 0) return { raw: message(headers, `Content-Type: text/plain; charset=utf-8\r\n\r\n${text}\r\n`), receivedAt };
	const boundary = `b${index}`;
	const body = [
		`Content-Type: multipart/mixed; boundary="${boundary}"`,
		'',
		`--${boundary}`,
		'Content-Type: text/plain; charset=utf-8',
		'',
		text,
		`--${boundary}`,
		`Content-Type: application/pdf; name="report-${index}.pdf"`,
		'Content-Transfer-Encoding: base64',
		`Content-Disposition: attachment; filename="report-${index}.pdf"`,
		'',
		attachmentBase64(index, attachmentBytes),
		`--${boundary}--`,
		'',
	].join('\r\n');
	return { raw: message(headers, body), receivedAt };
}

/** Spam for Junk. */
export function spam(index: number, recipient: string, receivedAt: Date): SeedMessage {
	const headers = [
		`From: promo${index}@deals${index % 50}.test`,
		`To: ${recipient}`,
		`Subject: You won ${index} points`,
		`Date: ${rfc822Date(receivedAt)}`,
		`Message-ID: <spam.${index}@deals${index % 50}.test>`,
	];
	return { raw: message(headers, `Content-Type: text/plain; charset=utf-8\r\n\r\n${filler(index + 5, 1200)}\r\n`), receivedAt };
}

/** What a prospect's answer to a sequence email is. */
export type AnswerKind = 'reply' | 'threadBreakingReply' | 'autoReply' | 'bounce';

/** The prospect's answer to step `step` of the sequence, arriving at `receivedAt`. */
export function answer(kind: AnswerKind, options: { sequenceKey: string; sender: string; prospect: string; step: number; subject: string; receivedAt: Date }): SeedMessage {
	const { sequenceKey, sender, prospect, step, subject, receivedAt } = options;
	const ids = Array.from({ length: step }, (_, i) => sequenceMessageId(sequenceKey, prospect, i + 1, DOMAIN));
	const answered = ids[ids.length - 1];
	const date = rfc822Date(receivedAt);
	const tag = `${receivedAt.getTime()}.${prospect.replace(/[^a-z0-9]/gi, '')}`;
	const prospectDomain = prospect.split('@')[1];
	switch (kind) {
		case 'reply':
			return {
				raw: message(
					[`From: ${prospect}`, `To: ${sender}`, `Subject: Re: ${subject}`, `Date: ${date}`, `Message-ID: <re.${tag}@${prospectDomain}>`, `In-Reply-To: ${answered}`, `References: ${ids.join(' ')}`],
					`Content-Type: text/plain; charset=utf-8\r\n\r\nThanks, sounds interesting. Can we talk on Thursday?\r\n\r\nOn a weekday, Sam wrote:\r\n> Hi,\r\n`,
				),
				receivedAt,
			};
		case 'threadBreakingReply':
			return {
				raw: message(
					[`From: ${prospect}`, `To: ${sender}`, `Subject: About your email`, `Date: ${date}`, `Message-ID: <new.${tag}@${prospectDomain}>`],
					'Content-Type: text/plain; charset=utf-8\r\n\r\nHi Sam, got your note. Call me next week.\r\n',
				),
				receivedAt,
			};
		case 'autoReply':
			return {
				raw: message(
					[
						`From: ${prospect}`,
						`To: ${sender}`,
						`Subject: Automatic reply: ${subject}`,
						`Date: ${date}`,
						`Message-ID: <oof.${tag}@${prospectDomain}>`,
						`In-Reply-To: ${answered}`,
						`References: ${answered}`,
						'Auto-Submitted: auto-replied',
					],
					'Content-Type: text/plain; charset=utf-8\r\n\r\nI am out of the office and will return on Monday. I will read your message then.\r\n',
				),
				receivedAt,
			};
		case 'bounce': {
			const boundary = `dsn.${tag}`;
			const body = [
				`Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
				'',
				`--${boundary}`,
				'Content-Type: text/plain; charset=us-ascii',
				'',
				'This is the mail system at host mail.example.test.',
				'',
				"I'm sorry to have to inform you that your message could not be delivered to one or more recipients.",
				'',
				`<${prospect}>: host mx.${prospectDomain} said: 550 5.1.1 <${prospect}>: Recipient address rejected: User unknown`,
				'',
				`--${boundary}`,
				'Content-Type: message/delivery-status',
				'',
				'Reporting-MTA: dns; mail.example.test',
				`Arrival-Date: ${date}`,
				'',
				`Final-Recipient: rfc822; ${prospect}`,
				`Original-Recipient: rfc822;${prospect}`,
				'Action: failed',
				'Status: 5.1.1',
				`Remote-MTA: dns; mx.${prospectDomain}`,
				'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
				'',
				`--${boundary}`,
				'Content-Type: text/rfc822-headers',
				'',
				`From: Sam <${sender}>`,
				`To: ${prospect}`,
				`Subject: ${step === 1 ? subject : `Re: ${subject}`}`,
				`Message-ID: ${answered}`,
				'',
				`--${boundary}--`,
				'',
			].join('\r\n');
			return {
				raw: message(
					[
						'Return-Path: <>',
						'From: MAILER-DAEMON@mail.example.test (Mail Delivery System)',
						`To: ${sender}`,
						'Subject: Undelivered Mail Returned to Sender',
						`Date: ${date}`,
						`Message-ID: <dsn.${tag}@mail.example.test>`,
						'Auto-Submitted: auto-replied',
					],
					body,
				),
				receivedAt,
			};
		}
	}
}
