/** Entry file of the classification worker thread started by `inbound-reader.ts` (see `inbound-worker.ts`). */
import { serveReads } from './inbound-worker';

void serveReads();
