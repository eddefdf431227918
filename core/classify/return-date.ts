/**
 * The date an out-of-office notice says its author is back, e.g. "I will be back on Monday 3 March 2025",
 * "bis einschließlich 14.03.2025", "de retour le 3 mars", "hasta el 3 de marzo", "tot en met 3 maart",
 * "fino al 3 marzo", "até 3 de março". Returned as an ISO date (YYYY-MM-DD).
 */

/** Month names and common abbreviations in EN, DE, FR, ES, NL, IT, PT → month number. */
const MONTHS: ReadonlyArray<[RegExp, number]> = [
	[/^(?:jan(?:uary|uar|vier|eiro)?|janv|ene(?:ro)?|gen(?:naio)?|jän(?:ner)?|januari)$/, 1],
	[/^(?:feb(?:ruary|ruar|rero|braio|ruari)?|févr?(?:ier)?|fevr?(?:ier)?|fev(?:ereiro)?)$/, 2],
	[/^(?:mar(?:ch|s|zo|ço|co)?|mär(?:z)?|maart|mrt)$/, 3],
	[/^(?:apr(?:il|ile)?|avr(?:il)?|abr(?:il)?)$/, 4],
	[/^(?:may|mai|mayo|mei|mag(?:gio)?|maio)$/, 5],
	[/^(?:jun(?:e|i|io|ho)?|juin|giu(?:gno)?)$/, 6],
	[/^(?:jul(?:y|i|io|ho)?|juil(?:let)?|lug(?:lio)?)$/, 7],
	[/^(?:aug(?:ust|ustus)?|ago(?:sto)?|août|aout)$/, 8],
	[/^(?:sep(?:t|tember|tiembre|tembre)?|set(?:embro|tembre)?)$/, 9],
	[/^(?:oct(?:ober|ubre|obre)?|okt(?:ober)?|ott(?:obre)?|out(?:ubro)?)$/, 10],
	[/^(?:nov(?:ember|embre|embro)?)$/, 11],
	[/^(?:dec(?:ember|embre)?|dez(?:ember|embro)?|déc(?:embre)?|dic(?:iembre|embre)?)$/, 12],
];

function monthNumber(word: string): number | undefined {
	const key = word.toLowerCase().replace(/\.$/, '');
	return MONTHS.find(([pattern]) => pattern.test(key))?.[1];
}

/**
 * Words that introduce a date in an absence notice. Two kinds: the day the sender is back ("back on",
 * "zurück am", "de retour le", "vuelvo el", "ab dem", "à partir du") and the last day away ("until",
 * "bis", "jusqu'au", "hasta", "tot en met", "fino al", "até"); see `UNTIL_CUE`.
 */
const CUE = /(?<![\p{L}])(?:back|return(?:ing)?|returns|in the office|available|until|till|through|thru|\bto\b|zurück|wieder(?: im büro| erreichbar| da)?|bis(?: zum| einschließlich| einschl\.?)?|ab dem|retour|de retour|jusqu'(?:au|à|a)|à partir du|hasta(?: el)?|regreso|vuelvo|a partir del|terug|tot en met|t\/m|tot|vanaf|fino al?|rientro|rientrerò|di ritorno|dal|até(?: ao| o| dia)?|retorno|volto|regresso|a partir de)(?![\p{L}])/giu;

const WORD_DATE = /(?:\b[a-zà-ü]{1,20}\.?,?\s{1,5})?(\d{1,2})(?:st|nd|rd|th|er|º|°|\.)?\s{0,5}(?:de\s{1,5})?([a-zà-ü]{3,10}\.?)(?:\s{1,5}(?:de\s{1,5})?(\d{4}))?/iu;
const WORD_DATE_EN = /(?:\b[a-z]{1,20},?\s{1,5})?([a-z]{3,9}\.?)\s{1,5}(\d{1,2})(?:st|nd|rd|th)?(?:,?\s{1,5}(\d{4}))?/i;
const NUMERIC_DATE = /\b(\d{1,4})([./-])(\d{1,2})(?:\2(\d{2,4}))?\b/;

/**
 * Cues naming the LAST day of the absence: "out until 14 March", "bis 14. März", "jusqu'au 14 mars
 * (inclus)", "hasta el 14 de marzo", "tot en met 14 maart", "fino al 14 marzo", "até 14 de março". The
 * sender is back the day after, unless the text also says when they are back ("back on …"), which wins.
 */
const UNTIL_CUE = /^(?:until|till|through|thru|to|bis(?: zum| einschließlich| einschl\.?)?|jusqu'(?:au|à|a)|hasta(?: el)?|tot en met|t\/m|tot|fino al?|até(?: ao| o| dia)?)$/iu;

const MONTH_WORD = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\\.?';

/**
 * US English writes numeric dates month first (03/04/2025 = March 4). We only read them so when the
 * text itself writes dates month first in words ("Monday, March 3", "March 3rd") and never day first
 * ("3 March"); otherwise numeric dates stay day first (all seven supported languages write them so).
 */
const MONTH_FIRST = new RegExp(`\\b${MONTH_WORD}\\s{1,20}\\d{1,2}(?:st|nd|rd|th)?\\b(?!\\s{0,20}(?:st|nd|rd|th)?\\s{0,20}${MONTH_WORD})`, 'i');
const DAY_FIRST = new RegExp(`\\b\\d{1,2}(?:st|nd|rd|th)?\\s{1,20}(?:of\\s{1,20})?${MONTH_WORD}\\b`, 'i');

function writesMonthFirst(text: string): boolean {
	return MONTH_FIRST.test(text) && !DAY_FIRST.test(text);
}

function nextDay(isoDate: string): string {
	const date = new Date(`${isoDate}T00:00:00Z`);
	date.setUTCDate(date.getUTCDate() + 1);
	return date.toISOString().slice(0, 10);
}

function iso(year: number, month: number, day: number): string | undefined {
	const date = new Date(Date.UTC(year, month - 1, day));
	if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
	return date.toISOString().slice(0, 10);
}

/** A year for a date written without one: the first occurrence on or after the message date. */
function inferYear(month: number, day: number, reference: Date): number {
	const year = reference.getUTCFullYear();
	const candidate = Date.UTC(year, month - 1, day);
	return candidate < Date.UTC(year, reference.getUTCMonth(), reference.getUTCDate()) - 86_400_000 ? year + 1 : year;
}

function parseDateAt(text: string, reference: Date, monthFirst: boolean): string | undefined {
	const head = text.slice(0, 60);
	const numeric = NUMERIC_DATE.exec(head);
	const word = WORD_DATE.exec(head);
	const wordEn = WORD_DATE_EN.exec(head);
	const candidates: { index: number; value: string | undefined }[] = [];
	if (numeric) {
		const [a, sep, b, c] = [Number(numeric[1]), numeric[2], Number(numeric[3]), numeric[4]];
		let value: string | undefined;
		if (numeric[1].length === 4) value = c ? iso(a, b, Number(c)) : undefined;
		else {
			// Day first (European, and what all seven languages write) unless that is impossible, or the
			// text is US English writing its dates month first (see `writesMonthFirst`).
			let [day, month] = [a, b];
			if (sep === '/' && ((month > 12 && day <= 12) || (monthFirst && day <= 12 && c !== undefined))) [day, month] = [b, a];
			const year = c ? (c.length === 2 ? 2000 + Number(c) : Number(c)) : inferYear(month, day, reference);
			value = iso(year, month, day);
		}
		candidates.push({ index: numeric.index, value });
	}
	if (word) {
		const month = monthNumber(word[2]);
		if (month) {
			const day = Number(word[1]);
			const year = word[3] ? Number(word[3]) : inferYear(month, day, reference);
			candidates.push({ index: word.index, value: iso(year, month, day) });
		}
	}
	if (wordEn) {
		const month = monthNumber(wordEn[1]);
		if (month) {
			const day = Number(wordEn[2]);
			const year = wordEn[3] ? Number(wordEn[3]) : inferYear(month, day, reference);
			candidates.push({ index: wordEn.index, value: iso(year, month, day) });
		}
	}
	const valid = candidates.filter((c) => c.value !== undefined).sort((x, y) => x.index - y.index);
	return valid[0]?.value;
}

/**
 * The day the sender of an auto-reply is back, as an ISO date, or undefined. "back on X" (and its
 * translations) gives X; "out until X" / "absent jusqu'au X inclus" gives the day after X, unless the text
 * also says "back on". `reference` (the message date) fills in a missing year. Only dates right after a
 * cue word count, so the date of the quoted message does not.
 */
export function findReturnDate(text: string, reference: Date = new Date()): string | undefined {
	const body = text.slice(0, 4000);
	const monthFirst = writesMonthFirst(body);
	let lastDayAway: string | undefined;
	for (const cue of body.matchAll(CUE)) {
		const after = body.slice((cue.index ?? 0) + cue[0].length, (cue.index ?? 0) + cue[0].length + 200);
		const value = parseDateAt(after.replace(/^[\s:,]{0,40}(?:(?:on|le|el|am|op|il|em|dem|den|the|o|a|al|ao|du|del|der)\s{1,20}){0,10}/iu, ''), reference, monthFirst);
		if (!value) continue;
		if (!UNTIL_CUE.test(cue[0])) return value;
		lastDayAway ??= value;
	}
	return lastDayAway === undefined ? undefined : nextDay(lastDayAway);
}
