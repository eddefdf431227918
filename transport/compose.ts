/**
 * Renders one outgoing email to its raw RFC 5322 form with nodemailer's MailComposer. The same bytes go
 * to the SMTP server and into the Sent folder, so the copy in Sent is exactly what the prospect got.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Mailbox } from '../core/mail/address';

/** Everything that ends up in the message; all values already validated by the core. */
export interface OutgoingEmail {
	from: Mailbox;
	to: Mailbox;
	replyTo?: string;
	subject: string;
	text: string;
	html?: string;
	/** With angle brackets, from core/mail/message-id.ts. */
	messageId: string;
	/** From the injected clock, so a retry renders the same Date header. */
	date: Date;
	inReplyTo?: string;
	references?: string[];
	/** RFC 2369 List-Unsubscribe (`mailto` is address?query without the scheme); with an https `url`, RFC 8058 one-click as well. */
	listUnsubscribe?: { mailto: string; url?: string };
}

/** The List-Unsubscribe headers for an email (RFC 2369, RFC 8058). */
export function unsubscribeHeaders(list: OutgoingEmail['listUnsubscribe']): Record<string, string> {
	if (!list) return {};
	const entries = [`<mailto:${list.mailto}>`];
	if (list.url) entries.push(`<${list.url}>`);
	return {
		'List-Unsubscribe': entries.join(', '),
		// RFC 8058 §3.1: "List-Unsubscribe-Post: List-Unsubscribe=One-Click", only with an https URI
		...(list.url ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
	};
}

/** The raw message, CRLF line endings, ready for SMTP DATA and IMAP APPEND. */
export async function composeRaw(email: OutgoingEmail): Promise<Buffer> {
	const composer = new MailComposer({
		from: email.from,
		to: email.to,
		...(email.replyTo ? { replyTo: email.replyTo } : {}),
		subject: email.subject,
		text: email.text,
		...(email.html ? { html: email.html } : {}),
		messageId: email.messageId,
		date: email.date,
		...(email.inReplyTo ? { inReplyTo: email.inReplyTo } : {}),
		...(email.references?.length ? { references: email.references } : {}),
		headers: unsubscribeHeaders(email.listUnsubscribe),
		disableFileAccess: true,
		disableUrlAccess: true,
	});
	return new Promise<Buffer>((resolve, reject) => {
		composer.compile().build((error, message) => (error ? reject(error) : resolve(message)));
	});
}
