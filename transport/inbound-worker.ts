/**
 * The worker side of `inbound-reader.ts`: the messages between the threads and the loop that reads each
 * raw message it is sent and posts the reading back. Running on a worker thread, a message that takes
 * long holds up that thread only, and the reader can terminate it; n8n's event loop never waits for it.
 * The worker's entry file is `classify-worker.ts`.
 */
import { parentPort } from 'node:worker_threads';
import { readInbound, type InboundReading } from '../core/classify/inbound';

/** Main thread → worker: one message to read. */
export interface ReadRequest {
	id: number;
	raw: Uint8Array;
}

/**
 * Worker → main thread: the worker has loaded the classifier and can read (`ready`), it has read the
 * warm-up messages too (`warm`), or one reading (`reading` undefined if it could not be sent).
 */
export type WorkerReply = { ready: true } | { warm: true } | { id: number; reading?: InboundReading };

/**
 * Read once the worker is loaded: they make mailparser load what it loads lazily (the HTML-to-text
 * converter, charset tables, the report and returned-message paths) and warm the code up, so the first
 * real message of each kind does not spend its time budget on that. The common kinds come first: a
 * message that arrives during the warm-up waits for the one message being read (see `serveReads`).
 */
const WARM_UP: readonly Buffer[] = [
	['From: "=?iso-8859-1?Q?J=FCrgen?=" <j@example.com>', 'Subject: =?utf-8?B?UmU6IEhhbGxv?=', 'Content-Type: multipart/alternative; boundary="w"', '', '--w',
		'Content-Type: text/plain; charset=iso-8859-1', 'Content-Transfer-Encoding: quoted-printable', '', 'Gr=FC=DFe, bis bald.', '--w',
		'Content-Type: text/html; charset=windows-1252', '', '<div>Gr\u00fc\u00dfe</div><div class="gmail_quote">On Mon wrote:</div>', '--w--', ''],
	['From: Jo <jo@example.com>', 'Subject: Out of office', 'Auto-Submitted: auto-replied', 'Content-Type: text/html; charset=utf-8', '',
		'<html><head><style>p{}</style></head><body><p>I am out of the office until 3 March.</p><a href="https://x.example">link</a></body></html>', ''],
	['From: MAILER-DAEMON@mx.example.com', 'Subject: Undelivered Mail Returned to Sender', 'Content-Type: multipart/report; report-type=delivery-status; boundary="r"', '', '--r',
		'Content-Type: text/plain', '', '<x@example.org>: 550 5.1.1 User unknown', '--r', 'Content-Type: message/delivery-status', '',
		'Final-Recipient: rfc822; x@example.org', 'Action: failed', 'Status: 5.1.1', '--r', 'Content-Type: message/rfc822', '', 'Message-ID: <a@b.example>', 'Subject: Hi', '', 'Hi', '--r--', ''],
	...['utf-16le', 'iso-2022-jp', 'shift_jis', 'gb18030', 'big5', 'euc-kr', 'koi8-r', 'windows-1251'].map((charset) => [
		'From: a@example.com', 'Subject: =?' + charset + '?B?QQ==?=', `Content-Type: text/plain; charset=${charset}`, 'Content-Transfer-Encoding: base64', '', 'QUJD', '',
	]),
].map((lines) => Buffer.from(lines.join('\r\n'), 'latin1'));

/**
 * Serves read requests on this worker's port with `read`. Says `ready` as soon as it can read, then
 * reads the warm-up messages one by one whenever no request is in hand (a request that arrives meanwhile
 * waits for the warm-up message being read, 2–90 ms, then goes first), and says `warm` after the last.
 */
export async function serveReads(read: (raw: Buffer) => Promise<InboundReading> = readInbound): Promise<void> {
	const port = parentPort;
	if (!port) return;
	let inHand = 0;
	let idle: (() => void) | undefined;
	port.on('message', (request: ReadRequest) => {
		inHand++;
		const raw = Buffer.from(request.raw.buffer, request.raw.byteOffset, request.raw.byteLength);
		void read(raw).then((reading) => {
			try {
				port.postMessage({ id: request.id, reading } satisfies WorkerReply);
			} catch {
				// a reading that cannot be cloned (not expected: plain data and dates) is reported as missing
				port.postMessage({ id: request.id } satisfies WorkerReply);
			}
			if (--inHand === 0) idle?.();
		});
	});
	port.postMessage({ ready: true } satisfies WorkerReply);
	for (const message of WARM_UP) {
		// a request already posted is dispatched before the immediate runs, so it goes first
		await new Promise<void>((resolve) => setImmediate(resolve));
		while (inHand > 0) await new Promise<void>((resolve) => (idle = resolve));
		await read(message);
	}
	port.postMessage({ warm: true } satisfies WorkerReply);
}
