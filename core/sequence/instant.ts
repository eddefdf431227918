/**
 * Instants as the core takes them: a luxon DateTime or a JS Date (imapflow and nodemailer give Dates).
 * The clock is always a parameter; nothing here reads the wall clock.
 */
import { DateTime } from 'luxon';

/** A point in time from either library. */
export type Instant = DateTime | Date;

/**
 * Milliseconds since the epoch. Tells the two apart by luxon's own mark, not `instanceof Date`: a Date
 * that crossed a thread (the classification worker's reading) belongs to another realm under jest's VM
 * context, where `instanceof Date` is false.
 */
export function toMillis(instant: Instant): number {
	return DateTime.isDateTime(instant) ? instant.toMillis() : instant.getTime();
}

/** The instant as a luxon DateTime in `zone` (UTC by default). */
export function toDateTime(instant: Instant, zone = 'UTC'): DateTime {
	return DateTime.fromMillis(toMillis(instant), { zone });
}
