/**
 * The one-click unsubscribe URL (RFC 8058) as it goes into `List-Unsubscribe: <mailto:…>, <https://…>`
 * (RFC 2369). The header is a comma-separated list of angle-bracketed URIs, so the URL must be printable
 * ASCII without `<`, `>` or `,`; anything else (a NUL, DEL, a non-ASCII letter nodemailer would
 * RFC 2047-encode) breaks the whole header, the mailto included.
 */
import { InputError } from '../errors';

/** Longest URL accepted: the header line with the mailto must stay under RFC 5322's 998 characters. */
export const MAX_UNSUBSCRIBE_URL_LENGTH = 800;

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f]/;

function invalid(url: string, why: string): InputError {
	const shown = JSON.stringify(url.length > 120 ? `${url.slice(0, 120)}…` : url);
	return new InputError('INVALID_PARAMETER', `One-Click Unsubscribe URL ${shown} ${why}`, {
		hint: 'Give the https:// address of your unsubscribe page, e.g. https://example.com/unsubscribe?id={{ $json.id }}.',
	});
}

/**
 * Parses the URL with the WHATWG URL parser and returns its normal form: host in punycode, non-ASCII and
 * `<`, `>` percent-encoded by the parser, `,` as `%2C`.
 *
 * @throws InputError `INVALID_PARAMETER` when it contains control characters or spaces, is not an
 *   absolute https URL, carries a user name or password, or is longer than {@link MAX_UNSUBSCRIBE_URL_LENGTH}.
 */
export function normaliseUnsubscribeUrl(url: string): string {
	const control = CONTROL_OR_SPACE.exec(url);
	if (control) {
		const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
		throw invalid(url, `contains ${control[0] === ' ' ? 'a space' : `a control character (U+${code})`} at position ${control.index + 1}.`);
	}
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw invalid(url, 'is not a URL.');
	}
	if (parsed.protocol !== 'https:') throw invalid(url, 'must be an https:// URL (RFC 8058).');
	if (parsed.username || parsed.password) throw invalid(url, 'must not contain a user name or password.');
	const normal = parsed.href.replace(/,/g, '%2C');
	// the parser percent-encodes what it must; this holds for any URL it returns, checked all the same
	if (!/^[\x21-\x7e]+$/.test(normal) || /[<>]/.test(normal)) throw invalid(url, 'cannot be written as printable ASCII.');
	if (normal.length > MAX_UNSUBSCRIBE_URL_LENGTH) throw invalid(url, `is ${normal.length} characters long; the limit is ${MAX_UNSUBSCRIBE_URL_LENGTH}.`);
	return normal;
}
