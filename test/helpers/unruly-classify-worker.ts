/**
 * A classification worker for tests of the time budget itself (`InboundReader`'s `workerEntry`): it
 * serves reads exactly like the real one (`serveReads`), except that a message containing "SPIN" never
 * finishes (a busy loop, like a pattern backtracking for hours) and one containing "EXIT" ends the thread.
 */
import { readInbound } from '../../core/classify/inbound';
import { serveReads } from '../../transport/inbound-worker';

void serveReads(async (raw) => {
	if (raw.includes('SPIN')) for (;;);
	if (raw.includes('EXIT')) process.exit(1);
	return readInbound(raw);
});
