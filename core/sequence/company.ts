/**
 * Company identity of an address, for the "stop when someone else at the company replied" rule.
 * Free-mail domains are shared by millions of unrelated people, so they never identify a company.
 */
import { domainToASCII } from 'node:url';

/** Free-mail domains matched exactly (ASCII, lower-case). */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
	'gmail.com', 'googlemail.com', 'outlook.com', 'hotmail.com', 'live.com', 'msn.com', 'passport.com',
	'icloud.com', 'me.com', 'mac.com', 'aol.com', 'aim.com', 'web.de', 'freenet.de', 't-online.de',
	'posteo.de', 'posteo.net', 'mailbox.org', 'proton.me', 'pm.me', 'protonmail.com', 'protonmail.ch',
	'mail.ru', 'inbox.ru', 'list.ru', 'bk.ru', 'rambler.ru', 'ya.ru', 'zoho.com', 'zohomail.com',
	'fastmail.com', 'fastmail.fm', 'mail.com', 'email.com', 'usa.com', 'tutanota.com', 'tutanota.de',
	'tuta.io', 'hey.com', 'gmx.com', 'gmx.net', 'orange.fr', 'wanadoo.fr', 'free.fr', 'laposte.net', 'sfr.fr',
	'libero.it', 'virgilio.it', 'tiscali.it', 'alice.it', 'seznam.cz', 'wp.pl', 'o2.pl', 'onet.pl',
	'interia.pl', 'qq.com', '163.com', '126.com', 'sina.com', 'naver.com', 'daum.net', 'hanmail.net',
	'rediffmail.com', 'comcast.net', 'verizon.net', 'att.net', 'sbcglobal.net', 'bellsouth.net', 'cox.net',
	'btinternet.com', 'sky.com', 'ntlworld.com', 'virginmedia.com', 'bigpond.com', 'shaw.ca', 'rogers.com',
	'sympatico.ca', 'ukr.net', 'uol.com.br', 'bol.com.br', 'terra.com.br', 'yahoo.com', 'ymail.com',
	'rocketmail.com',
]);

/** Providers with one free-mail domain per country (hotmail.co.uk, yahoo.fr, gmx.at …): matched by name. */
const FREE_MAIL_FAMILIES: ReadonlySet<string> = new Set(['hotmail', 'outlook', 'live', 'yahoo', 'gmx', 'yandex', 'aol']);

/**
 * Second-level labels under a two-letter country code that are public suffixes themselves
 * (acme.co.uk, acme.com.au): the company is the label before them. A small heuristic, not the full
 * Public Suffix List, which would be a runtime dependency for one rule.
 */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go', 'gob', 'nic', 'ltd', 'plc']);

function registrable(labels: readonly string[]): { domain: string; name: string } {
	const n = labels.length;
	if (n >= 3 && labels[n - 1].length === 2 && SECOND_LEVEL.has(labels[n - 2])) {
		return { domain: labels.slice(n - 3).join('.'), name: labels[n - 3] };
	}
	return { domain: labels.slice(Math.max(0, n - 2)).join('.'), name: labels[Math.max(0, n - 2)] };
}

/** Whether a domain (Unicode or ASCII, any case, subdomains allowed) belongs to a free-mail provider. */
export function isFreeMailDomain(domain: string): boolean {
	const ascii = domainToASCII(domain.trim().toLowerCase());
	if (ascii === '') return false;
	if (FREE_MAIL_DOMAINS.has(ascii)) return true;
	const { domain: base, name } = registrable(ascii.split('.'));
	return FREE_MAIL_DOMAINS.has(base) || FREE_MAIL_FAMILIES.has(name);
}

/**
 * The company an address belongs to: its registrable domain (`sales.acme.co.uk` → `acme.co.uk`), or
 * `null` for free-mail providers and anything without a domain.
 */
export function companyKey(address: string): string | null {
	const at = address.lastIndexOf('@');
	if (at === -1) return null;
	const ascii = domainToASCII(address.slice(at + 1).trim().toLowerCase());
	if (ascii === '' || !ascii.includes('.')) return null;
	if (isFreeMailDomain(ascii)) return null;
	return registrable(ascii.split('.')).domain;
}
