/**
 * How much of a message the classifier reads. Anyone can send mail to a watched inbox, so every pattern
 * runs on bounded text: with these caps and patterns that are linear in their input (bounded
 * quantifiers, no nested unbounded quantifiers over the same characters), no message can make
 * classification slow. Real replies, auto-replies and reports fit inside them: in the shared corpus the
 * longest readable text is 9 KiB and the longest part (a returned original message) 57 KiB.
 */

/** The first 64 KiB of each text (a part's body, the readable text, the HTML as text) are read. */
export const MAX_PATTERN_TEXT = 64 * 1024;

/** Header values a pattern reads (subject, a report field): no real one is longer. */
export const MAX_PATTERN_HEADER = 2 * 1024;

/** HTML converted to text: the converter is a linear scanner, so it may read more than the patterns. */
export const MAX_HTML = 256 * 1024;

/** MIME parts kept by the walker; no real report has more. */
export const MAX_PARTS = 200;

/** Nesting depth of multiparts the walker descends into. */
export const MAX_DEPTH = 8;

/** Decoded bytes kept over all parts together (each part also stops at `MAX_PATTERN_TEXT`). */
export const MAX_DECODED_TOTAL = 1024 * 1024;

/** Failed recipients read from one report, and the words read about each one. */
export const MAX_RECIPIENTS = 100;
export const MAX_RECIPIENT_WORDS = 8 * 1024;

/** The first `max` characters of `text` (all of it when shorter). */
export function capText(text: string, max: number = MAX_PATTERN_TEXT): string {
	return text.length > max ? text.slice(0, max) : text;
}
