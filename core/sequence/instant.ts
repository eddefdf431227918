/**
 * Instants as the core takes them: a luxon DateTime or a JS Date (imapflow and nodemailer give Dates).
 * The clock is always a parameter; nothing here reads the wall clock.
 */
import { DateTime } from 'luxon';

/** A point in time from either library. */
export type Instant = DateTime | Date;

/** Milliseconds since the epoch. */
export function toMillis(instant: Instant): number {
	return instant instanceof Date ? instant.getTime() : instant.toMillis();
}

/** The instant as a luxon DateTime in `zone` (UTC by default). */
export function toDateTime(instant: Instant, zone = 'UTC'): DateTime {
	return DateTime.fromMillis(toMillis(instant), { zone });
}
