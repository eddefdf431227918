// Per-test-file environment: n8n-core must not write to $HOME/.n8n, and needs an encryption key.
import os from 'node:os';
import path from 'node:path';

process.env.N8N_USER_FOLDER ??= path.join(os.tmpdir(), 'smtp-sequence-test-n8n');
process.env.N8N_ENCRYPTION_KEY ??= 'smtp-sequence-test-encryption-key';
process.env.MAILSTACK_BASE ??= '/tmp/smtp-sequence-mailstack';
// Real mail on a loaded machine can take more than the 200 ms classification budget: only the tests of
// the budget itself (their own InboundReader) should see a message cut off (transport/inbound-reader.ts).
process.env.SMTP_SEQUENCE_CLASSIFY_BUDGET_MS ??= '10000';
