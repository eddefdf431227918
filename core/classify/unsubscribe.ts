/**
 * A human asking to be taken off the list. Only the reply's own text is read (never the quoted history,
 * which carries our own unsubscribe footer). "Not interested" alone is a reply, not an unsubscribe.
 */

/** Removal requests in EN, DE, FR, ES, NL, IT, PT. */
const UNSUBSCRIBE = new RegExp(
	[
		// EN
		'\\bunsubscribe\\b',
		'\\bremove (?:me|my (?:e-?mail|address|name|details))\\b',
		'take me off',
		'\\b(?:opt|opting) (?:me )?out\\b',
		'stop (?:e-?mailing|emailing|contacting|sending|writing to|spamming)',
		'(?:do not|don\'t|dont|never) (?:e-?mail|contact|write to|message) (?:me|us)',
		'no (?:more|further) e-?mails',
		'(?:delete|erase) my (?:data|details|address|e-?mail)',
		'off (?:your|the) (?:mailing )?list',
		// DE
		'(?:bitte )?(?:austragen|abmelden|abbestellen)',
		'(?:entfernen|löschen) sie (?:mich|meine)',
		'keine (?:weiteren )?(?:e-?mails|nachrichten|mails|werbung)',
		'(?:nicht mehr|nie wieder) (?:kontaktieren|anschreiben|schreiben)',
		// FR
		'(?:me )?désabonner|désinscri|desinscri|désinscription',
		'(?:retirez|supprimez|enlevez)[- ]moi',
		'ne (?:plus|pas) me (?:contacter|écrire|solliciter)',
		'ne plus recevoir',
		// ES
		'(?:darme|dame|denme|deme|déme|me) de baja|dar(?:me)? de baja',
		'no (?:me )?(?:vuelva|vuelvan|vuelvas) a (?:escribir|contactar)',
		'no me (?:escriba|contacte|envíe|envie|mande)',
		'(?:eliminen|elimine|borren|quiten|quítenme|sáquenme|saquenme)(?:me)? de',
		// NL
		'uitschrijven|afmelden',
		'(?:verwijder|haal) (?:mij|me)',
		'(?:geen|niet meer) (?:e-?mails|mails|berichten)',
		'(?:benader|mail) (?:mij|me) niet',
		// IT
		'disiscriv|cancellami|cancellatemi',
		'(?:rimuovete|rimuovi|rimuovermi|toglietemi|toglimi)',
		'non (?:mi )?(?:scriva|scrivete|contatti|contattate|scrivermi|contattarmi) più',
		'non (?:voglio|desidero) (?:più )?ricevere',
		// PT
		'descadastr|cancelar (?:a )?inscrição',
		'(?:remova|removam|retire|tirem)-?me',
		'não (?:me )?(?:envie|enviem|contate|contatem|contacte|mande)',
		'não quero (?:mais )?receber',
	].join('|'),
	'iu',
);

/** The matching phrase when the reply asks to be removed, or undefined. */
export function unsubscribeRequest(replyText: string, subject: string): string | undefined {
	const match = UNSUBSCRIBE.exec(replyText.slice(0, 1500)) ?? UNSUBSCRIBE.exec(subject.replace(/^\s*(?:re|aw|antw|sv|r|rif|res)\s*:\s*/i, ''));
	return match?.[0].toLowerCase();
}
