/**
 * What kind of host a mail server setting names: an IP address (and which), or a host name. Used to
 * decide whether a password may travel unencrypted (only to this machine or a private network) and how
 * a certificate's names are matched. Pure: parses, never resolves.
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

function ipv4Octets(address: string): number[] {
	return address.split('.').map(Number);
}

/** RFC 1122 loopback, RFC 1918 private, RFC 3927 link-local. */
function isLocalIpv4(address: string): boolean {
	const [a, b] = ipv4Octets(address);
	return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** ::1 loopback, fc00::/7 unique local (RFC 4193), fe80::/10 link-local, and IPv4-mapped local addresses. */
function isLocalIpv6(address: string): boolean {
	if (address === '::1') return true;
	const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
	if (mapped) return isLocalIpv4(mapped[1]);
	const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(address);
	if (mappedHex) {
		const high = parseInt(mappedHex[1], 16);
		const low = parseInt(mappedHex[2], 16);
		return isLocalIpv4(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
	}
	const first = parseInt(address.split(':')[0] || '0', 16);
	return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/**
 * True for `localhost` and for IP addresses of this machine or a private network, where a password sent
 * without TLS does not cross the internet. Host names (other than localhost) are never counted: whatever
 * they resolve to today can change tomorrow.
 */
export function isLoopbackOrPrivateHost(host: string): boolean {
	if (host.trim().toLowerCase() === 'localhost') return true;
	const ip = ipLiteralOf(host);
	if (!ip) return false;
	return ip.family === 4 ? isLocalIpv4(ip.address) : isLocalIpv6(ip.address);
}
