/**
 * What kind of host a mail server setting names: an IP address (and which), or a host name. Used to
 * decide how a certificate's names are matched. Pure: parses, never resolves.
 */

/** An IP literal, canonicalised (IPv6 without brackets). */
export interface IpLiteral {
	family: 4 | 6;
	address: string;
}

/**
 * The IP address a host setting denotes, or undefined for a host name. IPv4 shorthands that the
 * system resolver also accepts (`127.1`, `0x7f.0.0.1`) are read the way the WHATWG URL parser reads
 * them, so they cannot pass for a host name.
 */
export function ipLiteralOf(host: string): IpLiteral | undefined {
	const bare = host.trim().replace(/^\[(.*)\]$/, '$1');
	if (bare.includes(':')) {
		try {
			return { family: 6, address: new URL(`http://[${bare}]/`).hostname.slice(1, -1) };
		} catch {
			return undefined;
		}
	}
	let hostname: string;
	try {
		hostname = new URL(`http://${bare}/`).hostname;
	} catch {
		return undefined;
	}
	return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) ? { family: 4, address: hostname } : undefined;
}
