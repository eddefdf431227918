/**
 * The new text of a reply: what the person wrote above the quoted history and their signature.
 */
import { htmlToText } from './html-text';
import { capText } from './limits';

/**
 * Attribution lines that introduce the quoted message, by client and language. Gmail/Apple Mail/Thunderbird
 * "On Mon, Jan 1, 2024 at 10:00 AM Jane <jane@example.com> wrote:", German "Am 01.01.2024 um 10:00 schrieb
 * Jane:", French "Le lun. 1 janv. 2024 à 10:00, Jane a écrit :", Spanish "El lun, 1 ene 2024 a las 10:00,
 * Jane escribió:", Dutch "Op ma 1 jan. 2024 om 10:00 schreef Jane:", Italian "Il giorno lun 1 gen 2024
 * alle ore 10:00 Jane ha scritto:", Portuguese "Em seg., 1 de jan. de 2024 às 10:00, Jane escreveu:",
 * Russian (Android) "… написал(а):", Nordic "… skrev:", Polish "… napisał(a):".
 */
const ATTRIBUTION = /^[ \t>]{0,20}(?:on|am|le|el|op|il|em|den|dne|w dniu|ons|los|the)\b[^\n]{0,300}(?:\n[^\n]{0,120})?(?:wrote|schrieb|a écrit|escribió|escribio|schreef|ha scritto|scrisse|escreveu|skrev|napisał|napisal|kirjoitti|écrit)(?:[^\n]{0,160}:|[ \t]{0,20}(?:\([^)\n]{0,200}\))?:?)[ \t]{0,200}$|^[ \t>]{0,20}[^\n]{0,200}(?:wrote|написал\(?а?\)?|a écrit|escribió|escreveu|schreef|ha scritto|schrieb|skrev|napisał\(?a?\)?|kirjoitti)[ \t]{0,20}:[ \t]{0,200}$/imu;

/** Separator lines of forwarded/original messages: "-----Original Message-----" and translations. */
const ORIGINAL_SEPARATOR = /^[ \t>]{0,20}(?:-{2,80}|_{2,80}|={2,80})?[ \t]{0,20}(?:original message|original-nachricht|ursprüngliche nachricht|message d'origine|message original|mensaje original|oorspronkelijk bericht|origineel bericht|messaggio originale|mensagem original|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|doorgestuurd bericht|messaggio inoltrato|mensagem encaminhada|begin forwarded message|reply message|原始邮件|исходное сообщение)[ \t]{0,20}(?:-{2,80}|_{2,80}|={2,80})?:?[ \t]{0,200}$/imu;

/** Outlook-style header block: "From: …" then, within a few lines, "Sent:"/"Date:" (any order). */
const HEADER_FROM = /^[ \t>*]{0,20}(?:from|von|de|van|da|från|fra|od|от|发件人)[ \t]{0,20}:[ \t]{0,20}\S/imu;
const HEADER_FROM_LINES = new RegExp(HEADER_FROM.source, 'gimu');
const HEADER_NEXT = /^[ \t>*]{0,20}(?:sent|date|gesendet|datum|envoyé|date d'envoi|enviado(?: el)?|enviada em|verzonden|inviato|data|skickat|sendt|wysłano|отправлено|to|an|à|para|aan|a|subject|betreff|objet|asunto|onderwerp|oggetto|assunto)[ \t]{0,20}:/imu;
/** Outlook's rule above the header block. */
const OUTLOOK_RULE = /^[ \t]{0,20}_{10,200}[ \t]{0,200}$/m;

/** Signature delimiters and mobile footers, several languages. RFC 3676 §4.3: the "-- " line. */
const SIGNATURE = /^(?:-- ?|—|sent from my .{1,40}|sent from (?:mail for windows|outlook|yahoo mail|my samsung|my huawei)|get outlook for .{1,20}|sent with .{1,30}|sent via .{1,30}|von meinem .{1,30} gesendet|gesendet von .{1,30}|envoyé de mon .{1,30}|envoyé depuis .{1,30}|enviado desde mi .{1,30}|enviado do meu .{1,30}|enviado de meu .{1,30}|verzonden (?:vanaf|met) .{1,30}|inviato da .{1,30}|inviato dal mio .{1,30}|отправлено с .{1,30})[ \t]{0,200}$/imu;

function cutAt(text: string, index: number | undefined): string {
	return index === undefined || index < 0 ? text : text.slice(0, index);
}

/** Index where the quoted history starts, or undefined. */
function quoteStart(text: string): number | undefined {
	const candidates: number[] = [];
	const attribution = ATTRIBUTION.exec(text);
	if (attribution) candidates.push(attribution.index);
	const separator = ORIGINAL_SEPARATOR.exec(text);
	if (separator) candidates.push(separator.index);
	const rule = OUTLOOK_RULE.exec(text);
	if (rule && HEADER_FROM.test(text.slice(rule.index, rule.index + 400))) candidates.push(rule.index);
	for (const match of text.matchAll(HEADER_FROM_LINES)) {
		const following = text.slice(match.index, match.index + 600).split('\n').slice(1, 6).join('\n');
		if (HEADER_NEXT.test(following)) {
			candidates.push(match.index);
			break;
		}
	}
	// A run of ">" lines (at least two) is quoted text even without an attribution line.
	const quoted = /^>.*\n>/m.exec(text);
	if (quoted) candidates.push(quoted.index);
	return candidates.length > 0 ? Math.min(...candidates) : undefined;
}

/** Removes spaces and tabs at the end of each line (a loop: `/[ \t]+$/gm` is quadratic on a long run of spaces). */
function trimLineEnds(text: string): string {
	return text
		.split('\n')
		.map((line) => {
			let end = line.length;
			while (end > 0 && (line[end - 1] === ' ' || line[end - 1] === '\t')) end--;
			return line.slice(0, end);
		})
		.join('\n');
}

/**
 * The reply's own text: quoted history (attribution lines in many languages, Outlook header blocks,
 * "-----Original Message-----", `>` quotes) and signatures ("-- ", "Sent from my iPhone", …) removed.
 * Works on text/plain; when it is empty, on the HTML converted to text. Reads the first `MAX_PATTERN_TEXT`
 * characters.
 */
export function extractReplyText(text: string, html?: string): string {
	let body = capText(text).replace(/\r\n?/g, '\n');
	if (!body.trim() && html) body = htmlToText(html);
	body = cutAt(body, quoteStart(body));
	const signature = SIGNATURE.exec(body);
	if (signature && signature.index > 0) body = body.slice(0, signature.index);
	else if (signature && signature.index === 0) body = '';
	return trimLineEnds(body).replace(/\n{3,}/g, '\n\n').trim();
}
