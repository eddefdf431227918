/**
 * Header safety: every value that ends up in a mail header passes through {@link assertHeaderSafe} once,
 * where it enters the system (a parameter, an input field, a rendered subject), so no later code has to
 * remember it. Nodemailer encodes non-ASCII text, but a raw CR or LF would let a value start a new header
 * line (header injection), and other control characters break header parsing at the receiving end.
 */
import { InputError } from '../errors';

/**
 * C0 controls except horizontal tab, plus DEL. RFC 5322 §2.2: header field bodies are printable
 * characters, SP and HTAB; CR and LF only as part of folding, which nodemailer does itself.
 */
// eslint-disable-next-line no-control-regex
const UNSAFE_CHARACTER = /[\u0000-\u0008\u000a-\u001f\u007f]/;

/** How each unsafe character is named in error messages, so a no-code user can find it. */
function describeCharacter(char: string): string {
	if (char === '\r') return 'a carriage return (CR)';
	if (char === '\n') return 'a line break (LF)';
	if (char === '\u0000') return 'a NUL character';
	const hex = char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
	return `a control character (U+${hex})`;
}

/**
 * Returns `value` unchanged when it is safe to place in a header; otherwise throws
 * `InputError('HEADER_INJECTION')` naming `field`, the offending character and its position.
 * Tab is allowed (it is legal whitespace in header bodies).
 *
 * @param field - What the value is, as the user knows it ("Subject", "prospect email", "From name").
 * @param value - The value about to become (part of) a header.
 */
export function assertHeaderSafe(field: string, value: string): string {
	const match = UNSAFE_CHARACTER.exec(value);
	if (match) {
		throw new InputError(
			'HEADER_INJECTION',
			`${field} contains ${describeCharacter(match[0])} at position ${match.index + 1}; ` +
				'line breaks and control characters are not allowed in email headers',
			{ hint: 'Remove line breaks from the value (for example with .replace(/\\s+/g, " ") in the expression).' },
		);
	}
	return value;
}

/** True when {@link assertHeaderSafe} would accept `value`. */
export function isHeaderSafe(value: string): boolean {
	return !UNSAFE_CHARACTER.test(value);
}
