/**
 * Spintax: `{Hi|Hello|Hey}` picks one alternative, deterministically from a seed, so a retry of the same
 * (sequence, prospect, step) renders the same text. Groups nest (`{Hi|Hello {there|friend}}`).
 *
 * What is not spintax is left exactly as written:
 * - braces without a `|` at their own level (`p { color: red }` in HTML, `{name}`),
 * - unbalanced braces and stray `|`,
 * - n8n expressions `{{ … }}`: they are opaque and may sit inside an alternative
 *   (`{Hi {{ $json.firstName }}|Hello}`); their values are never spun.
 *
 * Choices are keyed by the group's ordinal (the n-th spin group of the text) and the seed, so the plain
 * text and HTML bodies of a step pick the same alternatives when they contain the same spintax.
 */
import { createHash } from 'node:crypto';
import { ledgerAddress } from '../mail/message-id';
import { splitTemplate } from './template-parts';

type Token<T> =
	| { kind: 'open' }
	| { kind: 'bar' }
	| { kind: 'close' }
	| { kind: 'text'; text: string }
	| { kind: 'opaque'; value: T };

interface Group {
	/** Token index of the matching `}`. */
	close: number;
	/** Token indexes of the `|` at this group's own level. */
	bars: number[];
	/** Position among spin groups (groups with at least one `|`), in document order; -1 for literal groups. */
	ordinal: number;
}

/**
 * The seed for one rendered email: sequence key, prospect (as the ledger normalises it) and step.
 * Pass a distinct `part` ("subject", "body") so subject and body choices are independent.
 */
export function spintaxSeed(sequenceKey: string, prospectAddress: string, step: number, part = ''): string {
	return `${sequenceKey}\u0000${ledgerAddress(prospectAddress)}\u0000${step}\u0000${part}`;
}

function tokenize<T>(segments: readonly (string | T)[]): Token<T>[] {
	const tokens: Token<T>[] = [];
	for (const segment of segments) {
		if (typeof segment !== 'string') {
			tokens.push({ kind: 'opaque', value: segment });
			continue;
		}
		let start = 0;
		for (let i = 0; i < segment.length; i++) {
			const c = segment[i];
			if (c !== '{' && c !== '|' && c !== '}') continue;
			if (i > start) tokens.push({ kind: 'text', text: segment.slice(start, i) });
			tokens.push({ kind: c === '{' ? 'open' : c === '|' ? 'bar' : 'close' });
			start = i + 1;
		}
		if (start < segment.length) tokens.push({ kind: 'text', text: segment.slice(start) });
	}
	return tokens;
}

/** Matches braces innermost-first; unmatched braces and bars outside any matched group stay literal. */
function matchGroups<T>(tokens: readonly Token<T>[]): Map<number, Group> {
	const groups = new Map<number, Group>();
	const stack: { open: number; bars: number[] }[] = [];
	for (let i = 0; i < tokens.length; i++) {
		const kind = tokens[i].kind;
		if (kind === 'open') stack.push({ open: i, bars: [] });
		else if (kind === 'bar' && stack.length > 0) stack[stack.length - 1].bars.push(i);
		else if (kind === 'close' && stack.length > 0) {
			const frame = stack.pop() as { open: number; bars: number[] };
			groups.set(frame.open, { close: i, bars: frame.bars, ordinal: -1 });
		}
	}
	let ordinal = 0;
	for (const open of [...groups.keys()].sort((a, b) => a - b)) {
		const group = groups.get(open) as Group;
		if (group.bars.length > 0) group.ordinal = ordinal++;
	}
	return groups;
}

/** MurmurHash3's 32-bit finaliser: a fast, well-mixing bijection on uint32. */
function fmix32(value: number): number {
	let h = value >>> 0;
	h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
	h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
	return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A chooser for one seed: the seed is hashed once with SHA-256, each group's index is then mixed from
 * (seed hash, ordinal) so choices are uniform, reproducible and cheap even for thousands of groups.
 */
function chooser(seed: string): (ordinal: number, count: number) => number {
	const digest = createHash('sha256').update(seed, 'utf8').digest();
	const a = digest.readUInt32BE(0);
	const b = digest.readUInt32BE(4);
	return (ordinal, count) => {
		const mixed = fmix32(fmix32(a ^ Math.imul(ordinal + 1, 0x9e3779b9)) ^ b);
		return Math.floor((mixed / 0x1_0000_0000) * count);
	};
}

/**
 * Resolves spintax over a list of literal strings and opaque values (anything not a string, e.g. parsed
 * expressions); opaque values are passed through untouched, in order, and only those in chosen
 * alternatives survive. Adjacent strings in the result are not merged.
 */
export function spinSegments<T>(segments: readonly (string | T)[], seed: string): (string | T)[] {
	const tokens = tokenize(segments);
	const groups = matchGroups(tokens);
	const choose = chooser(seed);
	const out: (string | T)[] = [];
	const emit = (from: number, to: number): void => {
		let i = from;
		while (i < to) {
			const token = tokens[i];
			const group = token.kind === 'open' ? groups.get(i) : undefined;
			if (group) {
				if (group.ordinal === -1) {
					out.push('{');
					emit(i + 1, group.close);
					out.push('}');
				} else {
					const bounds = [i, ...group.bars, group.close];
					const pick = choose(group.ordinal, bounds.length - 1);
					emit(bounds[pick] + 1, bounds[pick + 1]);
				}
				i = group.close + 1;
				continue;
			}
			if (token.kind === 'text') out.push(token.text);
			else if (token.kind === 'opaque') out.push(token.value);
			else out.push(token.kind === 'open' ? '{' : token.kind === 'bar' ? '|' : '}');
			i++;
		}
	};
	emit(0, tokens.length);
	return out;
}

/**
 * Resolves spintax in a text, leaving n8n `{{ … }}` expressions (and everything that is not spintax)
 * exactly as written.
 *
 * @param seed - Usually {@link spintaxSeed}; the same seed always gives the same text.
 */
export function applySpintax(text: string, seed: string): string {
	const spun = spinSegments(splitTemplate(text), seed);
	return spun.map((part) => (typeof part === 'string' ? part : part.text)).join('');
}
