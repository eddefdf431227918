/**
 * Finds e-mail addresses in free text by scanning from each "@", instead of a pattern like
 * `[\w.…-]+@[\w-]+(?:\.[\w-]+)+`: such a pattern restarts at every character of a long run of letters
 * without "@" and re-reads the run each time (quadratic), which a bounce body can be made of. Here each
 * character is looked at a bounded number of times.
 */

/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
const MAX_LOCAL = 64;
/** RFC 1035 §2.3.4: a label is at most 63 octets, a domain name at most 255. */
const MAX_LABEL = 63;
const MAX_DOMAIN = 255;
/** Addresses returned from one text; a report naming more is not a report about our one recipient. */
export const MAX_ADDRESSES = 1000;

/** One address found in a text. */
export interface AddressSpan {
	/** As written (not lower-cased). */
	address: string;
	/** Index of its first character. */
	start: number;
	/** Index after its last character. */
	end: number;
}

/** ASCII letters, digits and "_" (the `\w` of a pattern without the `u` flag). */
function isWordCode(code: number): boolean {
	return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

/** RFC 5322 atext and ".": the characters of an unquoted local part (`[\w.!#$%&'*+/=?^`{|}~-]`). */
const LOCAL_SYMBOLS = new Set([...".!#$%&'*+/=?^`{|}~-"].map((c) => c.charCodeAt(0)));

function isLocalCode(code: number): boolean {
	return isWordCode(code) || LOCAL_SYMBOLS.has(code);
}

/** Letters, digits, "_" and "-": the characters of a domain label (`[\w-]`). */
function isLabelCode(code: number): boolean {
	return isWordCode(code) || code === 0x2d;
}

/** End of the domain starting at `from` (two labels at least), or -1. */
function domainEnd(text: string, from: number): number {
	let index = from;
	let labels = 0;
	let end = -1;
	while (index - from < MAX_DOMAIN) {
		let label = index;
		while (label < text.length && label - index < MAX_LABEL && isLabelCode(text.charCodeAt(label))) label++;
		if (label === index) break;
		labels++;
		if (labels >= 2) end = label;
		if (text.charCodeAt(label) !== 0x2e || label + 1 >= text.length || !isLabelCode(text.charCodeAt(label + 1))) break;
		index = label + 1;
	}
	return end;
}

/**
 * Addresses (`local@domain.tld`, ASCII, unquoted) in `text`, in order, not overlapping — what
 * `/[\w.!#$%&'*+\/=?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+/g` would find, at most `limit` of them.
 */
export function findAddresses(text: string, limit: number = MAX_ADDRESSES): AddressSpan[] {
	const found: AddressSpan[] = [];
	let floor = 0;
	for (let at = text.indexOf('@'); at >= 0 && found.length < limit; at = text.indexOf('@', at + 1)) {
		let start = at;
		while (start > floor && at - start < MAX_LOCAL && isLocalCode(text.charCodeAt(start - 1))) start--;
		if (start === at) continue;
		const end = domainEnd(text, at + 1);
		if (end < 0) continue;
		found.push({ address: text.slice(start, end), start, end });
		floor = end;
		at = end - 1;
	}
	return found;
}

/** Characters that end a loosely written address: white space and `<>,;"`. */
function isLooseCode(code: number): boolean {
	return !(code <= 0x20 || code === 0x3c || code === 0x3e || code === 0x2c || code === 0x3b || code === 0x22);
}

/**
 * Loosely written addresses: any run of characters other than white space and `<>,;"` that holds an
 * "@" with something on both sides (what `/[^\s<>,;"]+@[^\s<>,;"]+/g` finds, runs bounded to 255).
 * For header values such as a returned message's To, where non-ASCII and dotless domains occur.
 */
export function findLooseAddresses(text: string, limit: number = MAX_ADDRESSES): string[] {
	const found: string[] = [];
	let floor = 0;
	for (let at = text.indexOf('@'); at >= 0 && found.length < limit; at = text.indexOf('@', at + 1)) {
		let start = at;
		while (start > floor && at - start < MAX_DOMAIN && isLooseCode(text.charCodeAt(start - 1))) start--;
		let end = at + 1;
		while (end < text.length && end - at <= MAX_DOMAIN && isLooseCode(text.charCodeAt(end))) end++;
		if (start === at || end === at + 1) continue;
		found.push(text.slice(start, end));
		floor = end;
		at = end - 1;
	}
	return found;
}
