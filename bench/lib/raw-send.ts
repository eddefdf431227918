/**
 * The reference: raw pooled nodemailer on the same stack (same port, TLS, CA and AUTH as the node's
 * credential), one connection, `count` messages awaited one after the other — the loop a user would
 * write without a ledger. No IMAP at all.
 */
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { performance } from 'node:perf_hooks';
import { addressOf, stack, stackCa } from '../../test/helpers/mailstack';

/** Sends `count` messages from `sender` to plus-addresses of `recipient`; returns the elapsed ms. `smtpPort` redirects SMTP (a delaying proxy). */
export async function rawPooledSend(sender: string, recipient: string, count: number, body: string, smtpPort = stack.smtpsPort): Promise<number> {
	const options: SMTPPool.Options = {
		pool: true,
		maxConnections: 1,
		maxMessages: Infinity,
		host: stack.host,
		port: smtpPort,
		secure: true,
		auth: { user: addressOf(sender), pass: stack.password },
		tls: { ca: stackCa(), rejectUnauthorized: true },
		logger: false,
	};
	const started = performance.now();
	const transport = nodemailer.createTransport(options);
	try {
		for (let i = 0; i < count; i++) {
			const to = `${recipient}+${i}@example.test`;
			await transport.sendMail({
				from: { name: 'Sam', address: addressOf(sender) },
				to: { name: `Pat${i}`, address: to },
				subject: `Hi Pat${i}, quick question`,
				text: `Hi Pat${i},\n\n${body.replace('{{ $json.company }}', `Company ${i % 97}`)}`,
				messageId: `<raw.${i}.${Date.now()}@example.test>`,
				headers: { 'List-Unsubscribe': `<mailto:${addressOf(sender)}?subject=unsubscribe>` },
			});
		}
		return performance.now() - started;
	} finally {
		transport.close();
	}
}
