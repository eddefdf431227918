/**
 * The checks behind "Allow Self-Signed Certificates" and pinned fingerprints, on fixed certificates
 * (test/fixtures/tls) with an injected clock.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
	describeCertificate,
	isSelfSigned,
	normaliseFingerprint,
	parseFingerprints,
	selfSignedProblem,
} from '../../../core/mailbox/server-certificate';

const fixture = (name: string) => new X509Certificate(readFileSync(path.join(__dirname, '../../fixtures/tls', name)));
const selfSigned = fixture('self-signed-leaf.pem');
const caSigned = fixture('ca-signed-leaf.pem');
const inside = new Date('2030-06-01T00:00:00Z');

describe('selfSignedProblem (what "Allow Self-Signed Certificates" accepts)', () => {
	it('accepts a self-signed leaf for the host name or IP address it names, within its dates', () => {
		expect(isSelfSigned(selfSigned)).toBe(true);
		expect(selfSignedProblem(selfSigned, 'mail.example.test', inside, [])).toBeUndefined();
		expect(selfSignedProblem(selfSigned, 'MAIL.example.test', inside, [])).toBeUndefined();
		expect(selfSignedProblem(selfSigned, '127.0.0.2', inside, [])).toBeUndefined();
	});

	it('refuses it for another host name or address', () => {
		expect(selfSignedProblem(selfSigned, 'evil.example.net', inside, [])).toMatchObject({ code: 'CERT_HOSTNAME_MISMATCH', reason: expect.stringContaining('mail.example.test') });
		expect(selfSignedProblem(selfSigned, '127.0.0.1', inside, [])?.code).toBe('CERT_HOSTNAME_MISMATCH');
	});

	it('refuses it outside its dates', () => {
		expect(selfSignedProblem(selfSigned, 'mail.example.test', new Date('2121-01-01T00:00:00Z'), [])).toMatchObject({ code: 'CERT_EXPIRED', reason: 'expired on 2120-01-01' });
		expect(selfSignedProblem(selfSigned, 'mail.example.test', new Date('2019-01-01T00:00:00Z'), [])?.code).toBe('CERT_NOT_YET_VALID');
	});

	it('refuses a certificate from an authority nobody trusts: only a self-signed one is accepted', () => {
		expect(isSelfSigned(caSigned)).toBe(false);
		expect(selfSignedProblem(caSigned, 'mail.example.test', inside, [])).toMatchObject({ code: 'CERT_UNTRUSTED', reason: expect.stringContaining('Fixture CA') });
	});

	it('refuses it when fingerprints are pinned and it is not one of them', () => {
		const other = `${'00:'.repeat(31)}00`;
		expect(selfSignedProblem(selfSigned, 'mail.example.test', inside, [other])?.code).toBe('CERT_FINGERPRINT_MISMATCH');
		expect(selfSignedProblem(selfSigned, 'mail.example.test', inside, [other, selfSigned.fingerprint256])).toBeUndefined();
	});

	it('describes a certificate by fingerprint, issuer and end date', () => {
		expect(describeCertificate(selfSigned)).toBe(`SHA-256 ${selfSigned.fingerprint256} (self-signed, valid until 2120-01-01)`);
		expect(describeCertificate(caSigned)).toContain('issued by CN=Fixture CA');
	});
});

describe('fingerprints as users paste them', () => {
	const fp = selfSigned.fingerprint256;
	it.each([
		['as Node and browsers show it', fp],
		['lower case without colons', fp.replace(/:/g, '').toLowerCase()],
		["openssl's output", `sha256 Fingerprint=${fp}`],
		['with spaces', fp.replace(/:/g, ' ')],
	])('%s', (_name, text) => {
		expect(normaliseFingerprint(text)).toBe(fp);
	});

	it('is not a SHA-1 fingerprint or anything else', () => {
		expect(normaliseFingerprint('AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01')).toBeUndefined();
		expect(normaliseFingerprint('zz'.repeat(32))).toBeUndefined();
	});

	it('reads a list and de-duplicates it', () => {
		expect(parseFingerprints(`${fp}, ${fp.toLowerCase()}\n`)).toEqual([fp]);
		expect(parseFingerprints('  ')).toEqual([]);
	});
});
