/**
 * Regression (found with the daily rank's QRESYNC bug, issue 10): the trigger's resync pass
 * (`UID FETCH … (INTERNALDATE)` after a UIDVALIDITY change or a long gap) took every FETCH response as an
 * answer. Another session's flag change reported during the command carries no UID (Dovecot without
 * QRESYNC) or a UID nobody asked for (with it): the pass kept `undefined` or a stranger's UID as an
 * arrival, and the same UID twice when the server also answered for it.
 */
import { arrivedAtOrAfter } from '../../../transport/folder-watcher';

const FROM = new Date('2026-12-01T10:00:00Z');
const asked = new Set([101, 102, 103]);

describe('resync pass: only answers are arrivals (resync-unsolicited-fetch)', () => {
	it('keeps an asked message received at or after the resume point', () => {
		expect(arrivedAtOrAfter({ uid: 101, internalDate: new Date('2026-12-01T10:00:00Z') }, asked, FROM)).toBe(true);
		expect(arrivedAtOrAfter({ uid: 102, internalDate: new Date('2026-12-01T11:30:00Z') }, asked, FROM)).toBe(true);
	});

	it('drops an asked message received before it', () => {
		expect(arrivedAtOrAfter({ uid: 103, internalDate: new Date('2026-12-01T09:59:59Z') }, asked, FROM)).toBe(false);
	});

	it('keeps an asked message whose date the server left out or garbled (a header read, never a lost reply)', () => {
		expect(arrivedAtOrAfter({ uid: 101 }, asked, FROM)).toBe(true);
		expect(arrivedAtOrAfter({ uid: 102, internalDate: 'not a date' }, asked, FROM)).toBe(true);
	});

	it('drops a flag report without a UID (another session STOREd during the FETCH, no QRESYNC)', () => {
		expect(arrivedAtOrAfter({ internalDate: undefined }, asked, FROM)).toBe(false);
	});

	it('drops a flag report for a UID that was not asked for (QRESYNC puts the UID in it)', () => {
		expect(arrivedAtOrAfter({ uid: 250 }, asked, FROM)).toBe(false);
		expect(arrivedAtOrAfter({ uid: 99, internalDate: new Date('2026-12-01T12:00:00Z') }, asked, FROM)).toBe(false);
	});
});
