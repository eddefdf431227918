/**
 * IANA time zone names for people: the list the editor offers, and the zone a mistyped name most likely
 * meant ("Paris" → "Europe/Paris", "new york" → "America/New_York", "Europe/Berln" → "Europe/Berlin").
 */

let zones: readonly string[] | undefined;

/** Every IANA zone this runtime knows (ICU's canonical list, plus UTC), sorted. */
export function timeZoneNames(): readonly string[] {
	if (!zones) {
		const known = new Set(Intl.supportedValuesOf('timeZone'));
		known.add('UTC');
		zones = [...known].sort();
	}
	return zones;
}

/** Lower case, spaces and hyphens as underscores: how IANA spells a city ("New York" → "new_york"). */
function key(name: string): string {
	return name.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/** Edit distance of two short strings, stopping early once it exceeds `limit`. */
function distance(a: string, b: string, limit: number): number {
	if (Math.abs(a.length - b.length) > limit) return limit + 1;
	let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		const current = [i];
		let best = i;
		for (let j = 1; j <= b.length; j++) {
			const value = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
			current.push(value);
			best = Math.min(best, value);
		}
		if (best > limit) return limit + 1;
		previous = current;
	}
	return previous[b.length];
}

// longer names are not zone names; comparing them would only cost time
const MAX_INPUT = 64;

/**
 * The zone a name that is not an IANA zone most likely meant, or undefined when nothing is close:
 * the same name in another case, a city alone, or a name one or two typing errors away.
 */
export function suggestTimeZone(name: string): string | undefined {
	const wanted = key(name);
	if (wanted === '' || wanted.length > MAX_INPUT) return undefined;
	const all = timeZoneNames();
	const exact = all.find((zone) => key(zone) === wanted);
	if (exact) return exact;
	const city = all.find((zone) => key(zone.slice(zone.lastIndexOf('/') + 1)) === wanted);
	if (city) return city;
	const limit = wanted.length <= 4 ? 1 : 2;
	let best: { zone: string; d: number } | undefined;
	for (const zone of all) {
		const k = key(zone);
		const d = Math.min(distance(wanted, k, limit), distance(wanted, k.slice(k.lastIndexOf('/') + 1), limit));
		if (d <= limit && (!best || d < best.d)) best = { zone, d };
	}
	return best?.zone;
}
