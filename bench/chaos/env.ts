/**
 * Environment of the chaos run, set before n8n-core loads (imported first, after bench/lib/env): n8n's
 * logger writes to a file under .runtime/chaos (the trigger logs every reconnect, and the run's last
 * stdout line must be its JSON), unless N8N_LOG_OUTPUT says otherwise.
 */
import '../lib/env';
import path from 'node:path';

process.env.N8N_LOG_OUTPUT ??= 'file';
process.env.N8N_LOG_FILE_LOCATION ??= path.join(__dirname, '..', '..', '.runtime', 'chaos', 'n8n.log');
