/**
 * The date an out-of-office notice says its author is back, e.g. "I will be back on Monday 3 March 2025",
 * "out until Monday, December 7", "Replies will resume on 2027-01-04", "bis einschließlich 14.03.2025",
 * "de retour le 3 mars", "hasta el 3 de marzo", "tot en met 3 maart", "fino al 3 marzo", "até 3 de março",
 * "do 7 grudnia", "till och med 7 december", "7.12. asti", "до 7 декабря", "12月7日まで", "至12月7日".
 * Returned as an ISO date (YYYY-MM-DD). The rule is in docs/classifier.md ("Return dates").
 */

/**
 * Month names and common abbreviations → month number: EN, DE, FR, ES, NL, IT, PT, PL, SV, DA, NO, FI,
 * CS, RU (nominative and genitive, as dates write them: "7 grudnia", "7. prosince", "7 декабря").
 */
const MONTHS: ReadonlyArray<[RegExp, number]> = [
	[/^(?:jan(?:uary|uar|vier|eiro)?|janv|ene(?:ro)?|gen(?:naio)?|jän(?:ner)?|januari|stycz(?:eń|nia|en)?|tammikuu(?:ta)?|led(?:en|na)|январ[ья])$/, 1],
	[/^(?:feb(?:ruary|ruar|rero|braio|ruari)?|févr?(?:ier)?|fevr?(?:ier)?|fev(?:ereiro)?|lut(?:y|ego)?|helmikuu(?:ta)?|únor|února|феврал[ья])$/, 2],
	[/^(?:mar(?:ch|s|zo|ço|co|ts|zec|ca)?|mär(?:z)?|maart|mrt|maaliskuu(?:ta)?|břez(?:en|na)|март(?:а)?)$/, 3],
	[/^(?:apr(?:il|ile)?|avr(?:il)?|abr(?:il)?|kwie(?:cień|tnia|c)?|huhtikuu(?:ta)?|dub(?:en|na)|апрел[ья])$/, 4],
	[/^(?:may|mai|mayo|mei|mag(?:gio)?|maio|maj(?:a)?|toukokuu(?:ta)?|květ(?:en|na)|ма[йя])$/, 5],
	[/^(?:jun(?:e|i|io|ho)?|juin|giu(?:gno)?|czerw(?:iec|ca)?|kesäkuu(?:ta)?|červ(?:en|na)|июн[ья])$/, 6],
	[/^(?:jul(?:y|i|io|ho)?|juil(?:let)?|lug(?:lio)?|lip(?:iec|ca)?|heinäkuu(?:ta)?|červen(?:ec|ce)|июл[ья])$/, 7],
	[/^(?:aug(?:ust|ustus|usti)?|ago(?:sto)?|août|aout|sierp(?:ień|nia)?|elokuu(?:ta)?|srp(?:en|na)|август(?:а)?)$/, 8],
	[/^(?:sep(?:t|tember|tiembre|tembre)?|set(?:embro|tembre)?|wrz(?:esień|eśnia)?|syyskuu(?:ta)?|září|сентябр[ья])$/, 9],
	[/^(?:oct(?:ober|ubre|obre)?|okt(?:ober)?|ott(?:obre)?|out(?:ubro)?|paź(?:dziernik|dziernika)?|lokakuu(?:ta)?|říj(?:en|na)|октябр[ья])$/, 10],
	[/^(?:nov(?:ember|embre|embro)?|list(?:opad|opada)?|marraskuu(?:ta)?|listopad(?:u)?|ноябр[ья])$/, 11],
	[/^(?:dec(?:ember|embre)?|dez(?:ember|embro)?|déc(?:embre)?|dic(?:iembre|embre)?|des(?:ember)?|grud(?:zień|nia)?|joulukuu(?:ta)?|prosin(?:ec|ce)|декабр[ья])$/, 12],
];

/** Weekday names → ISO weekday (1 = Monday … 7 = Sunday), in the same languages (and JA/ZH forms). */
const WEEKDAYS: ReadonlyArray<[RegExp, number]> = [
	[/^(?:mon(?:day)?|montag|lundi|lunes|lunedì|lunedi|segunda(?:-feira)?|maandag|poniedział(?:ek|ku)|måndag(?:en)?|mandag(?:en)?|maanantai(?:na)?|pondělí|понедельник(?:а)?)$/, 1],
	[/^(?:tue(?:s|sday)?|dienstag|mardi|martes|martedì|martedi|terça(?:-feira)?|terca(?:-feira)?|dinsdag|wtor(?:ek|ku)|tisdag(?:en)?|tirsdag(?:en)?|tiistai(?:na)?|úterý|вторник(?:а)?)$/, 2],
	[/^(?:wed(?:nesday)?|mittwoch|mercredi|miércoles|miercoles|mercoledì|mercoledi|quarta(?:-feira)?|woensdag|środ(?:a|y|ę)|onsdag(?:en)?|keskiviikko(?:na)?|střed(?:a|y|u)|сред(?:а|у|ы))$/, 3],
	[/^(?:thu(?:r|rs|rsday)?|donnerstag|jeudi|jueves|giovedì|giovedi|quinta(?:-feira)?|donderdag|czwart(?:ek|ku)|torsdag(?:en)?|torstai(?:na)?|čtvrt(?:ek|ka)|четверг(?:а)?)$/, 4],
	[/^(?:fri(?:day)?|freitag|vendredi|viernes|venerdì|venerdi|sexta(?:-feira)?|vrijdag|piąt(?:ek|ku)|fredag(?:en)?|perjantai(?:na)?|pát(?:ek|ku)|пятниц(?:а|у|ы))$/, 5],
	[/^(?:sat(?:urday)?|samstag|sonnabend|samedi|sábado|sabado|sabato|zaterdag|sobot(?:a|y|ę)|lördag(?:en)?|lørdag(?:en)?|lauantai(?:na)?|суббот(?:а|у|ы))$/, 6],
	[/^(?:sun(?:day)?|sonntag|dimanche|domingo|domenica|zondag|niedziel(?:a|i|ę)|söndag(?:en)?|søndag(?:en)?|sunnuntai(?:na)?|neděl(?:e|i)|воскресень(?:е|я))$/, 7],
];

function weekdayNumber(word: string): number | undefined {
	const key = word.toLowerCase().replace(/[.,]$/, '');
	return WEEKDAYS.find(([pattern]) => pattern.test(key))?.[1];
}

function monthNumber(word: string): number | undefined {
	const key = word.toLowerCase().replace(/\.$/, '');
	return MONTHS.find(([pattern]) => pattern.test(key))?.[1];
}

/**
 * Words that introduce a date in an absence notice. Two kinds: the day the sender is back ("back on",
 * "resume on", "zurück am", "de retour le", "vuelvo el", "ab dem", "à partir du", "wracam", "tillbaka",
 * "вернусь") and the last day away ("until", "bis", "jusqu'au", "hasta", "tot en met", "fino al", "até",
 * "do", "till och med", "til", "до", "по"); see `UNTIL_CUE`. Short words that are also everyday words
 * ("do", "til", "to") count only right before a date or a weekday (`NEEDS_DATE_NEXT`).
 */
const CUE = /(?<![\p{L}])(?:till och med|til og med|från och med|fra og med|back|return(?:ing)?|returns|resum(?:e|es|ed|ing)|in the office|available|until|till|through|thru|to|zurück|wieder(?: im büro| erreichbar| da)?|bis(?: zum| einschließlich| einschl\.?)?|ab dem|retour|de retour|jusqu'(?:au|à|a)|à partir du|hasta(?: el)?|regreso|vuelvo|a partir del|terug|tot en met|t\/m|tot|vanaf|fino al?|rientro|rientrerò|di ritorno|dal|até(?: ao| o| dia)?|retorno|volto|regresso|a partir de|wracam|powrót|powrocie|z powrotem|do|tillbaka|åter|fr\.o\.m\.?|t\.o\.m\.?|tilbage|tilbake|f\.o\.m\.?|til|palaan|takaisin|zpět|vracím se|návrat|вернусь|возвращаюсь|выйду|до|по)(?![\p{L}])/giu;

const WORD_DATE = /(?:(?<!\p{L})\p{L}{1,20}\.?,?\s{1,5})?(\d{1,2})(?:st|nd|rd|th|er|º|°|\.)?\s{0,5}(?:de\s{1,5})?(\p{L}{3,12}\.?)(?:\s{1,5}(?:de\s{1,5})?(\d{4}))?/iu;
const WORD_DATE_EN = /(?:\b[a-z]{1,20},?\s{1,5})?([a-z]{3,9}\.?)\s{1,5}(\d{1,2})(?:st|nd|rd|th)?(?:,?\s{1,5}(\d{4}))?/i;
const NUMERIC_DATE = /\b(\d{1,4})([./-])(\d{1,2})(?:\2(\d{2,4}))?\b/;

/**
 * Cues naming the LAST day of the absence: "out until 14 March", "bis 14. März", "jusqu'au 14 mars
 * (inclus)", "hasta el 14 de marzo", "tot en met 14 maart", "fino al 14 marzo", "até 14 de março",
 * "do 14 marca", "till 14 mars", "til 14. marts", "до 14 марта". The sender is back the day after — unless
 * the date is a workday named with its weekday ("out until Monday, December 7": the sender names the day
 * they are back) and the cue does not say "inclusive" (`INCLUSIVE_CUE`). "back on …" in the same text wins.
 */
const UNTIL_CUE = /^(?:until|till|through|thru|to|bis(?: zum| einschließlich| einschl\.?)?|jusqu'(?:au|à|a)|hasta(?: el)?|tot en met|t\/m|tot|fino al?|até(?: ao| o| dia)?|do|till och med|t\.o\.m\.?|til og med|til|до|по)$/iu;
/** "through", "bis einschließlich", "tot en met", "till och med", "til og med", Russian "по": the named day is still away. */
const INCLUSIVE_CUE = /^(?:through|thru|bis einschließlich|bis einschl\.?|tot en met|t\/m|till och med|t\.o\.m\.?|til og med|по)$/iu;
/** Cues that are everyday words too: they count only when a date or weekday follows at once. */
const NEEDS_DATE_NEXT = /^(?:to|do|til|till|tot|dal|до|по)$/iu;
/** Words marking the named day inclusive after the date: "jusqu'au 3 avril inclus", "bis 14. März einschließlich". */
const INCLUSIVE_AFTER = /^[^.\n]{0,25}?(?<![\p{L}])(?:inclus(?:e|ive|ivement)?|einschließlich|incluso|incluído|inclusive|compreso|inklusive|włącznie|včetně|включительно)(?![\p{L}])/iu;

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
	if (!Number.isFinite(year)) return undefined;
	const date = new Date(Date.UTC(year, month - 1, day));
	if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
	return date.toISOString().slice(0, 10);
}

/** A year for a date written without one: the first occurrence on or after the message date. */
function inferYear(month: number, day: number, reference: Date | undefined): number {
	if (reference === undefined) return Number.NaN;
	const year = reference.getUTCFullYear();
	const candidate = Date.UTC(year, month - 1, day);
	return candidate < Date.UTC(year, reference.getUTCMonth(), reference.getUTCDate()) - 86_400_000 ? year + 1 : year;
}

function parseDateAt(text: string, reference: Date | undefined, monthFirst: boolean): string | undefined {
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

/** ISO weekday (1 = Monday … 7 = Sunday) of an ISO date. */
function isoWeekday(isoDate: string): number {
	return new Date(`${isoDate}T00:00:00Z`).getUTCDay() || 7;
}

/** The first `weekday` strictly after the reference day: "back on Monday" written on a Wednesday. */
function nextWeekday(weekday: number, reference: Date | undefined): string | undefined {
	if (reference === undefined) return undefined;
	const date = new Date(Date.UTC(reference.getUTCFullYear(), reference.getUTCMonth(), reference.getUTCDate()));
	do date.setUTCDate(date.getUTCDate() + 1);
	while ((date.getUTCDay() || 7) !== weekday);
	return date.toISOString().slice(0, 10);
}

/** Filler between a cue and its date: "back on the", "bis zum", "le", "den", "dnia", "på". */
const FILLER = /^[\s:,]{0,40}(?:(?:on|le|el|am|op|il|em|dem|den|the|o|a|al|ao|du|del|der|dnia|dne|på|om)\s{1,20}){0,10}/iu;

/**
 * Dates written before their cue: Finnish "7.12.2026 asti" / "saakka" (until), Japanese "12月7日まで"
 * (until) and "12月7日から" / "に戻ります" / "より出社" (back), Chinese "至12月7日" / "到12月7日" (until) and
 * "12月7日返回" / "回来" / "上班" (back).
 */
const CJK_DATE = /(?:(\d{4})\s{0,2}年\s{0,2})?(\d{1,2})\s{0,2}月\s{0,2}(\d{1,2})\s{0,2}[日号號]?/gu;
const FINNISH_UNTIL = /(\d{1,2})\.(\d{1,2})\.(\d{4})?\s{0,3}(?:asti|saakka|mennessä)(?![\p{L}])/giu;

interface Found {
	value: string;
	/** `back`: the day the sender is back; `until`: the last day away. */
	kind: 'back' | 'until';
}

function cjkDates(text: string, reference: Date | undefined): Found[] {
	const found: Found[] = [];
	for (const m of text.matchAll(CJK_DATE)) {
		const month = Number(m[2]);
		const day = Number(m[3]);
		const value = iso(m[1] ? Number(m[1]) : inferYear(month, day, reference), month, day);
		if (!value) continue;
		const at = m.index ?? 0;
		const after = text.slice(at + m[0].length, at + m[0].length + 12);
		const before = text.slice(Math.max(0, at - 4), at);
		if (/^\s{0,2}(?:まで|迄)/u.test(after) || /(?:至|到|直到)\s{0,2}$/u.test(before)) found.push({ value, kind: 'until' });
		else if (/^\s{0,2}(?:から|より|以降|に(?:出社|戻|復帰)|返回|回来|回到|上班|恢复|復帰)/u.test(after)) found.push({ value, kind: 'back' });
	}
	for (const m of text.matchAll(FINNISH_UNTIL)) {
		const [day, month] = [Number(m[1]), Number(m[2])];
		const value = iso(m[3] ? Number(m[3]) : inferYear(month, day, reference), month, day);
		if (value) found.push({ value, kind: 'until' });
	}
	return found;
}

/**
 * The day the sender of an auto-reply is back, as an ISO date, or undefined:
 * - "back on X" (and its translations, "resume on X", ISO dates included) gives X;
 * - "until X" gives the day after X (X is the last day away), except when X is a workday written with its
 *   weekday and the cue is not inclusive ("out until Monday, December 7" → December 7);
 * - a weekday alone ("back on Monday", "out until Tuesday") is its next occurrence after the message date;
 * - "back on" anywhere wins over "until".
 * `reference` (the message date, else the clock) fills in a missing year; without it such dates are not
 * read. Only dates right after a cue word count (or right before a postposition: "asti", "まで"), so the
 * date of the quoted message does not.
 */
export function findReturnDate(text: string, reference?: Date): string | undefined {
	const body = text.slice(0, 4000);
	const monthFirst = writesMonthFirst(body);
	let lastDayAway: Found | undefined;
	for (const cue of body.matchAll(CUE)) {
		const cueWord = cue[0];
		const end = (cue.index ?? 0) + cueWord.length;
		const after = body.slice(end, end + 200).replace(FILLER, '');
		const weekday = weekdayNumber(/^\p{L}{2,15}/u.exec(after)?.[0] ?? '');
		if (NEEDS_DATE_NEXT.test(cueWord) && weekday === undefined && !/^\d/.test(after)) continue;
		const parsed = parseDateAt(after, reference, monthFirst);
		const named = weekday !== undefined && (parsed === undefined || isoWeekday(parsed) === weekday);
		const value = parsed ?? (weekday !== undefined ? nextWeekday(weekday, reference) : undefined);
		if (!value) continue;
		if (!UNTIL_CUE.test(cueWord)) return value;
		const inclusive = INCLUSIVE_CUE.test(cueWord) || INCLUSIVE_AFTER.test(after.slice(0, 80).replace(/^[^\d]{0,30}\d[^\s]*(?:\s{1,5}\p{L}{3,12}\.?)?(?:\s{1,5}\d{4})?/u, ''));
		// The sender names a workday as the end of the absence: that is the day they are back.
		const returnDay = named && !inclusive && weekday !== undefined && weekday <= 5;
		lastDayAway ??= returnDay ? { value, kind: 'back' } : { value, kind: 'until' };
	}
	const cjk = cjkDates(body, reference);
	const back = cjk.find((f) => f.kind === 'back');
	if (back) return back.value;
	const until = lastDayAway ?? cjk.find((f) => f.kind === 'until');
	if (until === undefined) return undefined;
	return until.kind === 'back' ? until.value : nextDay(until.value);
}
