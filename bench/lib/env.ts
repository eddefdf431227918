/**
 * Process environment the bench needs before n8n-core loads (imported first): n8n-core must not write
 * to $HOME/.n8n and wants an encryption key; the mail stack's base directory. Same values as the tests.
 */
import os from 'node:os';
import path from 'node:path';

process.env.N8N_USER_FOLDER ??= path.join(os.tmpdir(), 'smtp-sequence-bench-n8n');
process.env.N8N_ENCRYPTION_KEY ??= 'smtp-sequence-bench-encryption-key';
process.env.MAILSTACK_BASE ??= '/tmp/smtp-sequence-mailstack';
// the classifier's wall-time budget (200 ms) cuts bounces off as replies when the shared machine's cores
// are busy, and then the aged and fresh mailboxes answer differently; the tests raise it the same way
process.env.SMTP_SEQUENCE_CLASSIFY_BUDGET_MS ??= '10000';
