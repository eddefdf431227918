/**
 * Email addresses as this package accepts them: a bare `local@domain` in ASCII on the wire, with
 * internationalised domains converted to punycode (IDNA, via node:url `domainToASCII`).
 *
 * Decisions (documented for users in the node's field descriptions):
 * - {@link parseAddress} takes a bare address only. `Jane <jane@acme.com>` in an address field is
 *   rejected with a message saying where the name belongs; {@link parseMailbox} accepts both forms
 *   for fields that hold a mailbox (e.g. the sender identity).
 * - Non-ASCII local parts (`josé@…`) need SMTPUTF8 (RFC 6531), which this package does not use, so
 *   they are rejected rather than sent in a form some servers mangle.
 * - Quoted local parts (`"a b"@x.com`) and address literals (`a@[192.0.2.1]`) are legal in RFC 5321 but
 *   do not occur in outreach lists; they are rejected with a specific message.
 * - Leading and trailing spaces (common in spreadsheets) are trimmed; CR/LF anywhere is header injection.
 */
import { domainToASCII, domainToUnicode } from 'node:url';
import { InputError } from '../errors';
import { assertHeaderSafe } from './header-safety';

/** An address ready for SMTP envelopes and headers. */
export interface ParsedAddress {
	/** `local@domain` with the domain lower-cased and in ASCII (punycode for IDN). */
	address: string;
	/** The local part exactly as given (case preserved). */
	localPart: string;
	/** ASCII (punycode) domain, lower-case. */
	domain: string;
	/** The same domain in Unicode, for display (`bücher.de` for `xn--bcher-kva.de`). */
	unicodeDomain: string;
}

/** A mailbox: an address with an optional display name. */
export interface ParsedMailbox extends ParsedAddress {
	/** Display name, trimmed, or '' when none was given. */
	name: string;
}

/** A display name and address in the shape nodemailer's `from`/`to` options take. */
export interface Mailbox {
	name: string;
	address: string;
}

// RFC 5321 §4.5.3.1.1 and §4.5.3.1.2: local part at most 64 octets, domain at most 255; a path of 256
// octets including the angle brackets leaves 254 for the address.
const MAX_LOCAL_PART = 64;
const MAX_DOMAIN = 253;
const MAX_ADDRESS = 254;
const MAX_LABEL = 63;

// RFC 5322 §3.2.3: atext = ALPHA / DIGIT / "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "/" /
// "=" / "?" / "^" / "_" / "`" / "{" / "|" / "}" / "~"; dot-atom = atext *("." atext)
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

function invalid(field: string, input: string, problem: string, hint?: string): InputError {
	return new InputError('INVALID_ADDRESS', `${field} "${input}" is not a valid email address: ${problem}`, {
		hint,
	});
}

function checkLocalPart(field: string, input: string, local: string): void {
	if (local.length === 0) throw invalid(field, input, 'nothing before the @');
	if (local.startsWith('"')) throw invalid(field, input, 'quoted local parts are not supported');
	// eslint-disable-next-line no-control-regex
	if (/[^\x00-\x7f]/.test(local)) {
		throw invalid(
			field,
			input,
			'the part before the @ contains non-ASCII characters, which needs SMTPUTF8, which this node does not use',
		);
	}
	if (local.length > MAX_LOCAL_PART) {
		throw invalid(field, input, `the part before the @ is longer than ${MAX_LOCAL_PART} characters`);
	}
	if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
		throw invalid(field, input, 'the part before the @ starts or ends with a dot or has two dots in a row');
	}
	for (const atom of local.split('.')) {
		if (!ATEXT.test(atom)) {
			const bad = [...atom].find((c) => !ATEXT.test(c)) ?? atom;
			throw invalid(field, input, `the part before the @ contains "${bad}", which is not allowed there`);
		}
	}
}

function checkDomain(field: string, input: string, domain: string): { ascii: string; unicode: string } {
	if (domain.length === 0) throw invalid(field, input, 'nothing after the @');
	if (domain.startsWith('[')) throw invalid(field, input, 'IP address literals are not supported, use a domain');
	if (domain.endsWith('.')) throw invalid(field, input, 'the domain ends with a dot');
	const ascii = domainToASCII(domain);
	if (ascii === '') throw invalid(field, input, `"${domain}" is not a valid domain name`);
	if (ascii.length > MAX_DOMAIN) throw invalid(field, input, `the domain is longer than ${MAX_DOMAIN} characters`);
	const labels = ascii.split('.');
	if (labels.length < 2) {
		throw invalid(field, input, `the domain "${domain}" has no top-level domain (like .com)`);
	}
	for (const label of labels) {
		if (label.length === 0) throw invalid(field, input, 'the domain has two dots in a row');
		if (label.length > MAX_LABEL) {
			throw invalid(field, input, `a part of the domain is longer than ${MAX_LABEL} characters`);
		}
		if (!LABEL.test(label)) throw invalid(field, input, `"${domain}" is not a valid domain name`);
	}
	if (/^[0-9]+$/.test(labels[labels.length - 1])) {
		throw invalid(field, input, 'the top-level domain cannot be a number');
	}
	return { ascii, unicode: domainToUnicode(ascii) };
}

/**
 * Validates a bare email address and returns it normalised for SMTP.
 *
 * @param input - The address as given (`jose@bücher.de`); surrounding spaces are ignored.
 * @param field - How the field is called in messages ("Prospect email", "From address").
 * @throws InputError `HEADER_INJECTION` for CR/LF/control characters, `INVALID_ADDRESS` otherwise,
 *   with a message saying what is wrong.
 * @example parseAddress('jose@bücher.de', 'Email').address === 'jose@xn--bcher-kva.de'
 */
export function parseAddress(input: string, field: string): ParsedAddress {
	assertHeaderSafe(field, input);
	const trimmed = input.trim();
	if (trimmed.length === 0) throw invalid(field, input, 'it is empty');
	if (trimmed.includes('<') || trimmed.includes('>')) {
		throw invalid(
			field,
			input,
			'give only the address (name@example.com), not "Name <address>"',
			'Put the person\'s name in the name field.',
		);
	}
	if (/\s/.test(trimmed)) throw invalid(field, input, 'it contains a space');
	const at = trimmed.lastIndexOf('@');
	if (at === -1) throw invalid(field, input, 'it has no @');
	if (trimmed.indexOf('@') !== at) throw invalid(field, input, 'it has more than one @');
	const local = trimmed.slice(0, at);
	checkLocalPart(field, input, local);
	const { ascii, unicode } = checkDomain(field, input, trimmed.slice(at + 1));
	const address = `${local}@${ascii}`;
	if (address.length > MAX_ADDRESS) {
		throw invalid(field, input, `it is longer than ${MAX_ADDRESS} characters`);
	}
	return { address, localPart: local, domain: ascii, unicodeDomain: unicode };
}

/**
 * Like {@link parseAddress} but also accepts `Display Name <address>` (and `"Quoted, Name" <address>`),
 * for fields that hold a whole mailbox.
 */
export function parseMailbox(input: string, field: string): ParsedMailbox {
	assertHeaderSafe(field, input);
	const match = /^\s*(.*?)\s*<([^<>]*)>\s*$/.exec(input);
	if (!match) return { ...parseAddress(input, field), name: '' };
	let name = match[1];
	if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) {
		name = name.slice(1, -1).replace(/\\(.)/g, '$1');
	}
	return { ...parseAddress(match[2], field), name: normaliseName(name) };
}

function normaliseName(name: string): string {
	return name.trim().replace(/\s+/g, ' ');
}

/**
 * A `{ name, address }` pair for nodemailer's From/To. Nodemailer quotes and RFC 2047-encodes the name;
 * this only rejects CR/LF/control characters in it and collapses runs of whitespace.
 *
 * @param name - Display name; `undefined`, `null` or blank gives an address-only mailbox (`name: ''`).
 * @param address - An address already normalised by {@link parseAddress}.
 */
export function formatMailbox(name: string | undefined | null, address: string): Mailbox {
	const safeName = name == null ? '' : assertHeaderSafe('Name', name);
	return { name: normaliseName(safeName), address: assertHeaderSafe('Address', address) };
}
