/**
 * An in-process SMTP server (port 0, plain text) that answers like real servers do when things go wrong,
 * chosen per recipient: a refusal at RCPT, a final 4xx/5xx after the message's "." — or no answer at all
 * after it (a content filter slower than the client's timeout).
 */
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/** How the server answers for one recipient. */
export type SmtpAnswer =
	| { at: 'rcpt'; code: number; text: string }
	| { at: 'data'; code: number; text: string }
	/** never answers the final "."; the message counts as received */
	| { at: 'data'; silent: true };

/** A running fault server. */
export interface FaultSmtpServer {
	port: number;
	/** Recipients of every message the server received in full (its "." arrived), in order. */
	received: string[];
	close(): Promise<void>;
}

/** Starts a server; `answer` picks the fault for a recipient (undefined: accept). */
export async function faultSmtpServer(answer: (recipient: string) => SmtpAnswer | undefined): Promise<FaultSmtpServer> {
	const received: string[] = [];
	const fail = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
	const server = new SMTPServer({
		authOptional: true,
		allowInsecureAuth: true,
		disabledCommands: ['STARTTLS'],
		logger: false,
		onAuth: (_auth, _session, callback) => callback(null, { user: 'any' }),
		onRcptTo(address: SMTPServerAddress, _session, callback) {
			const fault = answer(address.address);
			if (fault?.at === 'rcpt') return callback(fail(fault.code, fault.text));
			callback();
		},
		onData(stream, session, callback) {
			stream.on('data', () => undefined);
			stream.on('end', () => {
				const to = session.envelope.rcptTo[0]?.address ?? '';
				received.push(to);
				const fault = answer(to);
				if (fault?.at !== 'data') return callback();
				if ('silent' in fault) return; // the client times out waiting
				callback(fail(fault.code, fault.text));
			});
		},
	});
	// SMTPServer does not re-emit 'listening'; the callback is the way to know
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
	const port = (server.server.address() as { port: number }).port;
	return {
		port,
		received,
		close: () =>
			new Promise((resolve) => {
				// connections waiting for an answer that never comes would hold close() forever
				for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections) connection.close();
				server.close(() => resolve());
			}),
	};
}
