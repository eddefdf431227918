/**
 * Regression (issue 9): attachment names and types passed through unchanged (`../../…/.n8n/config`, CR/LF,
 * NUL, a right-to-left override, `text/html`), with no count or size cap (990 attachments became 990
 * binary properties; one of 25 MiB was held whole). Names are made safe, types passive, and count, size
 * and total size are capped by options; what was left out is listed.
 */
import { DEFAULT_ATTACHMENT_LIMITS, readAttachments, safeContentType, safeFileName, type AttachmentLimits } from '../../../core/trigger/attachments';
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';

interface Part {
	/** Raw RFC 2231 `filename*` value (percent-encoded UTF-8), or a plain name. */
	name: string;
	type?: string;
	bytes: number;
}

function message(parts: Part[]): Buffer {
	const lines = ['From: p@acme.test', 'To: me@example.test', 'Subject: Re: files', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'See attached.'];
	for (const part of parts) {
		const name = /%/.test(part.name) ? `filename*=UTF-8''${part.name}` : `filename="${part.name}"`;
		lines.push('--b', `Content-Type: ${part.type ?? 'application/pdf'}`, `Content-Disposition: attachment; ${name}`, 'Content-Transfer-Encoding: base64', '');
		lines.push(...(Buffer.alloc(part.bytes, 0x61).toString('base64').match(/.{1,76}/g) ?? []));
	}
	lines.push('--b--', '');
	return Buffer.from(lines.join('\r\n'));
}

const limits = (overrides: Partial<AttachmentLimits>): AttachmentLimits => ({ ...DEFAULT_ATTACHMENT_LIMITS, ...overrides });
const KiB = 1024;

describe('regression: attachment names and types passed through unchanged, with no count or size cap', () => {
	it.each([
		['a path', '..%2F..%2F.n8n%2Fconfig', 'config'],
		['a Windows path', 'C%3A%5CUsers%5Cme%5Cevil.bat', 'evil.bat'],
		['CR/LF and NUL', 'a%0D%0Ab%00c.txt', 'abc.txt'],
		['a right-to-left override', 'invoice%E2%80%AEfdp.exe', 'invoicefdp.exe'],
		['only dots', '..', 'attachment-1'],
		['a hidden name', '.bashrc', 'bashrc'],
	])('keeps only a safe base name for %s', async (_name, encoded, expected) => {
		const { kept } = await readAttachments(message([{ name: encoded, bytes: 10 }]));
		expect(kept.map((a) => a.fileName)).toEqual([expected]);
	});

	it('gives n8n a passive type for content a browser would run (and for malformed types)', async () => {
		const { kept } = await readAttachments(message([{ name: 'x.html', type: 'text/html', bytes: 5 }, { name: 'y.svg', type: 'image/svg+xml', bytes: 5 }, { name: 'z.csv', type: 'text/csv', bytes: 5 }]));
		expect(kept.map((a) => a.contentType)).toEqual(['application/octet-stream', 'application/octet-stream', 'text/csv']);
		expect(safeContentType('text/plain\r\nX-Evil: 1')).toBe('application/octet-stream');
	});

	it('keeps at most Max Attachments and lists the rest (990 attachments)', async () => {
		const parts = Array.from({ length: 990 }, (_, i) => ({ name: `f${i}.txt`, bytes: 3 }));
		const result = await readAttachments(message(parts));
		expect(result.kept.map((a) => a.fileName)).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}.txt`));
		expect(result.omittedCount).toBe(980);
		expect(result.omitted).toHaveLength(50);
		expect(result.omitted[0]).toEqual({ fileName: 'f10.txt', contentType: 'application/pdf', size: 3, reason: 'tooMany' });
	});

	it('leaves out an attachment over Max Attachment Size, saying its size, and keeps the next', async () => {
		const result = await readAttachments(message([{ name: 'big.pdf', bytes: 300 * KiB }, { name: 'small.pdf', bytes: 10 }]), limits({ maxBytes: 100 * KiB }));
		expect(result.kept.map((a) => a.fileName)).toEqual(['small.pdf']);
		expect(result.omitted).toEqual([{ fileName: 'big.pdf', contentType: 'application/pdf', size: 300 * KiB, reason: 'tooLarge' }]);
	});

	it('stops keeping at Max Total Attachment Size', async () => {
		const parts = [{ name: 'a.pdf', bytes: 60 * KiB }, { name: 'b.pdf', bytes: 60 * KiB }, { name: 'c.pdf', bytes: 30 * KiB }];
		const result = await readAttachments(message(parts), limits({ maxTotalBytes: 100 * KiB }));
		expect(result.kept.map((a) => a.fileName)).toEqual(['a.pdf', 'c.pdf']);
		expect(result.kept[0].content.length).toBe(60 * KiB);
		expect(result.omitted.map((o) => [o.fileName, o.reason])).toEqual([['b.pdf', 'totalTooLarge']]);
	});

	it('shortens a long name to Max Attachment Name Length, keeping the extension', async () => {
		const { kept } = await readAttachments(message([{ name: `${'x'.repeat(300)}.pdf`, bytes: 1 }]), limits({ maxNameLength: 20 }));
		expect(kept[0].fileName).toBe(`${'x'.repeat(16)}.pdf`);
		expect(safeFileName('é'.repeat(30), 0, 10)).toBe('é'.repeat(10));
	});

	it('trims dots and spaces at the end of a name, not the runs inside it', () => {
		expect(safeFileName('report. . .pdf.. ', 0)).toBe('report. . .pdf');
		expect(safeFileName(`a${'. '.repeat(40)}x`, 0, 200)).toBe(`a${'. '.repeat(40)}x`);
		expect(safeFileName('. . .', 2)).toBe('attachment-3');
	});

	it('never throws on a broken message', async () => {
		const broken = Buffer.from('Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="x.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%%not base64');
		await expect(readAttachments(broken)).resolves.toMatchObject({ kept: [expect.objectContaining({ fileName: 'x.pdf' })] });
	});

	it('reads the limits from the trigger options, with defaults, and refuses nonsense', () => {
		expect(resolveTriggerOptions({}).attachmentLimits).toEqual({ maxCount: 10, maxBytes: 10 * 1024 * KiB, maxTotalBytes: 25 * 1024 * KiB, maxNameLength: 100 });
		expect(resolveTriggerOptions({ maxAttachments: 3, maxAttachmentMb: 0.5 }).attachmentLimits).toMatchObject({ maxCount: 3, maxBytes: 512 * KiB });
		expect(() => resolveTriggerOptions({ maxAttachments: 0 })).toThrow('Max Attachments must be a positive whole number, got 0.');
	});
});
