/**
 * Attachments of a raw message, for the "Include Attachments" option (the node turns them into binary
 * properties). Parsed only when asked: most replies have none and the option is off by default.
 */
import { simpleParser } from 'mailparser';

/** One attachment's bytes and names. */
export interface MessageAttachment {
	fileName: string;
	contentType: string;
	content: Buffer;
}

/** Every attachment (inline images included, as mail clients list them), in document order. */
export async function readAttachments(raw: Buffer): Promise<MessageAttachment[]> {
	const parsed = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
	return parsed.attachments.map((attachment, index) => ({
		fileName: attachment.filename ?? `attachment-${index + 1}`,
		contentType: attachment.contentType || 'application/octet-stream',
		content: attachment.content,
	}));
}
