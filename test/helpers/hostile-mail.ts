/**
 * Hostile messages: what anyone on the internet can send to a watched inbox, built to make a mail
 * classifier slow, throw or run out of memory. The kinds of issue #9 (each at any size) and more: nested
 * multiparts, encodings, huge headers, many recipients, binary junk. Used by the regression tests
 * (`test/unit/classify/hostile-mail.test.ts`) and by `npm run fuzz:inbound`, which also mutates real
 * messages (`mutate`).
 */

/** A deterministic pseudo-random source (xorshift32), so a fuzz run can be repeated from its seed. */
export class Random {
	private state: number;

	constructor(seed: number) {
		this.state = seed >>> 0 || 0x9e3779b9;
	}

	/** A float in [0, 1). */
	next(): number {
		let x = this.state;
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		this.state = x >>> 0;
		return this.state / 0x100000000;
	}

	/** An integer in [0, n). */
	int(n: number): number {
		return Math.floor(this.next() * n);
	}

	pick<T>(items: readonly T[]): T {
		return items[this.int(items.length)];
	}

	/** A size between `min` and `max` bytes, spread evenly over the orders of magnitude. */
	size(min: number, max: number): number {
		return Math.round(Math.exp(Math.log(min) + this.next() * (Math.log(max) - Math.log(min))));
	}
}

/** `unit` repeated until the result is about `bytes` long. */
function fill(unit: string, bytes: number): string {
	return unit.repeat(Math.max(1, Math.ceil(bytes / unit.length)));
}

/** A sequence Message-ID of the shape the SMTP Sequence node mints. */
export const OUR_ID = '<sq.0123456789ab.1.0123456789abcdef@seller.example>';

interface HeadOptions {
	from?: string;
	subject?: string;
	contentType?: string;
	extra?: string[];
}

/** A header block (CRLF line ends) ending with the blank line. */
function head({ from = 'Prospect <prospect@example.com>', subject = 'Re: Quick question', contentType = 'text/plain; charset=utf-8', extra = [] }: HeadOptions = {}): string {
	return [
		`From: ${from}`,
		'To: seller@seller.example',
		`Subject: ${subject}`,
		'Date: Mon, 3 Mar 2025 10:00:00 +0000',
		'Message-ID: <hostile.1@example.com>',
		`In-Reply-To: ${OUR_ID}`,
		`References: ${OUR_ID}`,
		'MIME-Version: 1.0',
		`Content-Type: ${contentType}`,
		...extra,
		'',
		'',
	].join('\r\n');
}

const DAEMON: HeadOptions = { from: 'Mail Delivery System <MAILER-DAEMON@mx.example.com>', subject: 'Undelivered Mail Returned to Sender' };

/** One kind of hostile message: builds a message of about `bytes` bytes. */
export interface HostileKind {
	name: string;
	/** The issue #9 finding it reproduces, when it is one. */
	finding?: string;
	make(bytes: number, random: Random): string | Buffer;
}

const address = (i: number): string => `user${i}@host${i % 97}.example${i % 7}.com`;

/** The findings of issue #9, then further kinds. */
export const HOSTILE_KINDS: readonly HostileKind[] = [
	{ name: 'html-div-class', finding: 'HTML-only body of repeated `<div class=` (html-text quote-container and tag patterns)', make: (n) => head({ contentType: 'text/html' }) + fill('<div class=', n) },
	{ name: 'bounce-to-space-lines', finding: 'bounce whose body is "to" then " \\n" repeated (bounce-text recipient-line pattern)', make: (n) => head(DAEMON) + 'to' + fill(' \n', n) },
	{ name: 'reply-space-lines', finding: 'reply made of " \\n" lines (reply-text separator pattern)', make: (n) => head() + fill(' \n', n) },
	{ name: 'reply-long-spaces', finding: 'reply of one long line of spaces (reply-text trailing-space trim)', make: (n) => head() + 'a' + fill(' ', n) + 'b' },
	{ name: 'bounce-letters', finding: 'bounce body with a long run of letters and no "@" (address patterns)', make: (n) => head(DAEMON) + fill('a', n) },
	{
		name: 'bounce-many-addresses',
		finding: 'bounce listing many addresses (a RegExp built per pair of recipients)',
		make: (n) => head(DAEMON) + 'The following recipients failed:\r\n' + Array.from({ length: Math.ceil(n / 32) }, (_, i) => `  ${address(i)}`).join('\r\n'),
	},
	{
		name: 'ses-braces',
		finding: 'SES-looking body followed by many "}" (JSON.parse per brace)',
		make: (n) => head(DAEMON) + '{"notificationType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"x@example.com"' + fill('}', n),
	},
	{
		name: 'dsn-blank-lines',
		finding: 'DSN with many blank lines before the recipients (paragraph look-ahead)',
		make: (n) =>
			head({ ...DAEMON, contentType: 'multipart/report; report-type=delivery-status; boundary="r"' }) +
			'--r\r\nContent-Type: text/plain\r\n\r\nDelivery failed.' +
			fill('\r\n', n) +
			`a@example.org: 550 5.1.1 User unknown\r\nb@example.org: 552 5.2.2 Mailbox full\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n\r\nFinal-Recipient: rfc822; b@example.org\r\nAction: failed\r\nStatus: 5.0.0\r\n--r\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: ${OUR_ID}\r\n--r--\r\n`,
	},
	{
		name: 'many-parts',
		finding: 'more than 1,000 MIME parts (mailparser throws)',
		make: (n) => head({ contentType: 'multipart/mixed; boundary="p"' }) + fill('--p\r\nContent-Type: text/plain\r\n\r\nx\r\n', n) + '--p--\r\n',
	},
	{
		name: 'huge-references',
		finding: 'a ~300 KiB References header (mailparser throws on the header size)',
		// short ids, one per folded line: mailparser counts at least 64 bytes a header line
		make: (n) => head({ extra: [`References: ${Array.from({ length: Math.ceil(n / 13) }, (_, i) => `<${i}@x.e>`).join('\r\n ')} ${OUR_ID}`] }) + 'Yes, interested.',
	},
	{
		name: 'nested-multiparts',
		make: (n, random) => {
			const depth = Math.min(5000, Math.ceil(n / 60));
			let body = 'Deep reply.';
			for (let i = depth; i > 0; i--) body = `Content-Type: multipart/${random.pick(['mixed', 'alternative', 'related', 'report'])}; boundary="n${i}"\r\n\r\n--n${i}\r\n${body}\r\n--n${i}--`;
			return head({ contentType: `multipart/mixed; boundary="n0"` }) + `--n0\r\n${body}\r\n--n0--\r\n`;
		},
	},
	{
		name: 'encoded-bodies',
		make: (n, random) => {
			const payload = random.pick([fill('<div class=', n), fill(' \n', n), fill('a', n), fill('}', n), fill('=\r\n', n)]);
			const encoding = random.pick(['base64', 'quoted-printable']);
			const body = encoding === 'base64' ? Buffer.from(payload).toString('base64').replace(/.{76}/g, '$&\r\n') : payload.replace(/[=\r\n]/g, (c) => `=${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
			const charset = random.pick(['utf-8', 'utf-16le', 'iso-2022-jp', 'x-unknown-charset', 'gb18030', 'shift_jis']);
			return head({ contentType: `multipart/alternative; boundary="e"` }) + `--e\r\nContent-Type: text/${random.pick(['plain', 'html'])}; charset=${charset}\r\nContent-Transfer-Encoding: ${encoding}\r\n\r\n${body}\r\n--e--\r\n`;
		},
	},
	{ name: 'huge-subject', make: (n, random) => head({ subject: random.pick([fill('Undeliverable: ', n), fill('=?utf-8?B?', n), fill('Re: ', n), fill(' ', n) + 'x', fill('=?utf-8?Q?a=', n)]) }) + 'Body.' },
	{ name: 'many-header-fields', make: (n, random) => head({ extra: Array.from({ length: Math.ceil(n / 30) }, (_, i) => `${random.pick(['Received', 'X-Junk', 'Auto-Submitted', 'Cc'])}: from h${i} by x`) }) + 'Hi.' },
	{ name: 'many-recipients', make: (n) => head({ extra: [`Cc: ${Array.from({ length: Math.ceil(n / 30) }, (_, i) => address(i)).join(',\r\n ')}`] }) + 'Hi all.' },
	{
		name: 'binary-junk',
		make: (n, random) => {
			const bytes = Buffer.alloc(n);
			for (let i = 0; i < n; i++) bytes[i] = random.int(256);
			return random.next() < 0.5 ? bytes : Buffer.concat([Buffer.from(head({ contentType: 'application/octet-stream' })), bytes]);
		},
	},
	{ name: 'angle-runs', make: (n, random) => head(DAEMON) + random.pick([fill('<', n), fill('<sq.', n), fill('<a', n), fill('<x@', n), fill('< ', n)]) },
	{ name: 'at-runs', make: (n, random) => head(DAEMON) + random.pick([fill('a@', n), fill('@', n), fill('a.a@a', n), fill('x@y.', n), 'RCPT TO:' + fill(' ', n)]) },
	{ name: 'quote-runs', make: (n, random) => head({ contentType: `multipart/mixed; boundary=${random.pick([fill('"', n), fill('\\"', n), fill('a=', n), fill(';', n)])}` }) + 'x' },
	{ name: 'one-long-line', make: (n, random) => head(random.pick([{}, DAEMON])) + fill(random.pick(['x', 'ab ', '-', '_', '=', '>', 'On wrote ', 'From: ', '550 5.1.1 ']), n) },
	{
		name: 'quote-lines',
		make: (n, random) =>
			head() +
			fill(random.pick(['On Mon, Jan 1 2024, Jane wrote\n', 'From: x\n', '-----\n', '____________\n', '>\n', 'Le lun. a écrit\n', 'From: a\nDate: b\n', 'Sent from my \n', '-- \n']), n),
	},
	{
		name: 'report-fields',
		make: (n, random) =>
			head({ ...DAEMON, contentType: 'multipart/report; report-type=delivery-status; boundary="f"' }) +
			`--f\r\nContent-Type: message/delivery-status\r\n\r\n${fill(random.pick(['Final-Recipient: rfc822; x@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n', 'Status: 5.0.0 (' + 'x'.repeat(50) + '\r\n', 'Diagnostic-Code: smtp; 550 ' + '<'.repeat(40) + '\r\n']), n)}\r\n--f--\r\n`,
	},
	{ name: 'feedback-loop', make: (n) => head({ from: 'fbl@isp.example', subject: 'complaint' }) + 'Feedback-Type: abuse\r\nVersion: 1\r\n' + fill('Original-Rcpt-To: <x@example.com>\r\n', n) },
	{ name: 'line-ends', make: (n, random) => head().replace(/\r\n/g, random.pick(['\r', '\n', '\r\r\n', '\u2028'])) + fill(random.pick(['\r', '\r\n\r', '\0', '\u0085 ']), n) },
];

/** A copy of `raw` changed the way a broken or hostile sender would: truncated, fields duplicated, bytes flipped. */
export function mutate(raw: Buffer, random: Random): Buffer {
	const text = raw.toString('latin1');
	switch (random.int(7)) {
		case 0:
			return raw.subarray(0, random.int(raw.length + 1));
		case 1: {
			const bytes = Buffer.from(raw);
			for (let flips = 1 + random.int(20); flips > 0; flips--) bytes[random.int(bytes.length)] = random.int(256);
			return bytes;
		}
		case 2: {
			// a header field repeated many times
			const end = text.search(/\r?\n\r?\n/);
			const lines = text.slice(0, end < 0 ? text.length : end).split(/\r?\n/);
			const line = random.pick(lines);
			return Buffer.concat([Buffer.from(`${line}\r\n`.repeat(1 + random.int(2000)), 'latin1'), raw]);
		}
		case 3: {
			// a line duplicated in place
			const lines = text.split('\n');
			const at = random.int(lines.length);
			lines.splice(at, 0, ...Array<string>(1 + random.int(5000)).fill(lines[at]));
			return Buffer.from(lines.join('\n'), 'latin1');
		}
		case 4: {
			// a hostile block inserted at a random place
			const kind = random.pick(HOSTILE_KINDS);
			const block = Buffer.from(kind.make(random.size(100, 100_000), random)).toString('latin1');
			const at = random.int(text.length);
			return Buffer.from(text.slice(0, at) + block + text.slice(at), 'latin1');
		}
		case 5: {
			// boundaries broken: a boundary parameter or line cut
			return Buffer.from(text.replace(/boundary="?([^";\s]+)"?/i, random.pick(['boundary=', 'boundary="', 'boundary=""', 'boundary="$1'])), 'latin1');
		}
		default: {
			// lines shuffled
			const lines = text.split('\n');
			for (let i = 0; i < 10; i++) {
				const a = random.int(lines.length);
				const b = random.int(lines.length);
				[lines[a], lines[b]] = [lines[b], lines[a]];
			}
			return Buffer.from(lines.join('\n'), 'latin1');
		}
	}
}

/**
 * Time budget of the readers built on `unruly-classify-worker.ts` in tests: any finite budget cuts off its
 * "SPIN" message (it never finishes); this one is far above what any real message takes even on a loaded
 * machine, so every other message of those tests is classified, not cut off.
 */
export const UNRULY_BUDGET_MS = 10_000;
