/**
 * `npm run demo`: a real n8n with this package, a local mail server, and a short outreach story played
 * in real minutes, told as a timeline read back from n8n's executions and the mailboxes.
 *
 *   npm run demo               leaves n8n running until Ctrl-C, so you can open the executions
 *   npm run demo -- --once     exits after the story: 0 only if it went as told (for CI)
 *
 * The story runs the CRM pair of `examples/` on an n8n Data table: three rows (prospect1, prospect2,
 * and nobody@, who does not exist and bounces) get step 1; prospect1 answers from their own mailbox; the
 * reply workflow's IMAP Reply Trigger emits the reply and the bounce and marks their rows; on the
 * schedule's next runs prospect2 gets step 2 in the same thread and the other two are stopped. The
 * table's rows are printed and checked at the end.
 *
 * So that a first run needs no native compile (sqlite3 and isolated-vm took 11 minutes of a 21-minute
 * first demo), n8n runs on PostgreSQL (from Debian, like the mail server) with the `legacy` expression
 * engine, and the runtime is installed without its native modules. n8n's defaults — SQLite and the
 * `vm` engine — are what `npm run test:e2e` runs.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { N8nServer, type N8nExecution } from '../e2e/lib/n8n-server';
import { TYPES, packAndInstallTemplate } from '../e2e/lib/package-tarball';
import { createDatabase, ensureServices, postgresEnv } from '../e2e/lib/services';
import {
	BOUNCING,
	SENDER,
	ensureMailStack,
	receivedFromSender,
	replyAsProspect,
	resetDemoMailboxes,
	senderCredential,
	waitForReceived,
} from './lib/demo-mail';
import { checkCrmRows, checkStory, clock, formatCrmRows, formatEvent, storyComplete, timeline, type DemoAction } from './lib/demo-timeline';
import { DEMO_REPLIES, DEMO_SEQUENCE, NODE_NAMES, OTHER_EXAMPLES, bindCredentials, readExample } from './lib/demo-workflows';
import { DataTables, adaptExample, type ColumnType, type DataTableRow } from '../e2e/lib/data-tables';
import { ensureN8nRuntime, repoRootDir } from './lib/n8n-runtime';

const once = process.argv.includes('--once');
const FIRST_PORT = 5678;
const REPLIER = 'prospect1@example.test';
const FOLLOWER = 'prospect2@example.test';
/** The schedule ticks every 20 seconds: the first run comes within 20 s of activation. */
const FIRST_RUN_TIMEOUT_MS = 120_000;
/** Step 2 waits one minute after step 1, so it goes out on the fourth or fifth run after it. */
const STORY_TIMEOUT_MS = 300_000;
/** The demo's own database in the private PostgreSQL (recreated at every start). */
const DATABASE = 'n8n_demo';
/**
 * `legacy` evaluates expressions in-process, without isolated-vm (a native module the `vm` default
 * needs); n8n's docs call it the long-standing engine. Only the demo uses it.
 */
const EXPRESSION_ENGINE = 'legacy';
const POLL_MS = 2_000;
const CREDENTIAL_NAME = 'Outreach Mailbox (demo@example.test)';
const SEQUENCE_KEY = 'demo-sequence';
/** The CRM's table: the name the examples use. */
const TABLE = 'prospects';
const CRM_COLUMNS: Array<{ name: string; type: ColumnType }> = [
	...['email', 'firstName', 'company', 'timezone', 'status'].map((name) => ({ name, type: 'string' as const })),
	{ name: 'step', type: 'number' },
	{ name: 'nextStepAt', type: 'string' },
	{ name: 'lastEvent', type: 'string' },
];
/** nobody@example.test does not exist on the demo mail server: it bounces. */
const CRM_ROWS: DataTableRow[] = [
	{ email: 'prospect1@example.test', firstName: 'Paula', company: 'Acme Corp', timezone: 'Europe/Berlin', status: 'active', step: 0 },
	{ email: 'prospect2@example.test', firstName: 'Peter', company: 'Globex', timezone: 'America/New_York', status: 'active', step: 0 },
	{ email: 'nobody@example.test', firstName: 'Nora', company: 'Initech', timezone: 'Europe/London', status: 'active', step: 0 },
];

const started = Date.now();
/** Seconds each part of the first run took, printed at the end (README quotes them). */
const parts: Array<[string, number]> = [];
async function part<T>(name: string, fn: () => Promise<T>): Promise<T> {
	const t = Date.now();
	const result = await fn();
	parts.push([name, Math.round((Date.now() - t) / 1000)]);
	return result;
}
const elapsed = () => `${Math.round((Date.now() - started) / 1000)}s`;
const say = (line: string) => process.stdout.write(`${line}\n`);
const step = (line: string) => say(`[demo ${elapsed().padStart(4)}] ${line}`);

let server: N8nServer | undefined;
let stopped: Promise<never> | undefined;

/**
 * Stops n8n (if started) and exits. Idempotent: Ctrl-C reaches this process twice (the terminal signals
 * the whole group, and tsx relays it to its child), and the second signal must not cut the stop short.
 */
function shutdown(code: number): Promise<never> {
	stopped ??= (async () => {
		if (server?.running) {
			step('stopping n8n…');
			await server.stop();
			step('n8n stopped');
		}
		process.exit(code);
	})();
	return stopped;
}

process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The first port from `from` upward that nothing listens on. */
async function firstFreePort(from: number): Promise<number> {
	for (let port = from; port < from + 100; port++) {
		const free = await new Promise<boolean>((resolve) => {
			const probe = net.createServer();
			probe.once('error', () => resolve(false));
			probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
		});
		if (free) return port;
	}
	throw new Error(`no free port between ${from} and ${from + 99}`);
}

const done = (e: N8nExecution) => !['new', 'running', 'waiting'].includes(e.status);

async function main(): Promise<void> {
	say(`SMTP Sequence demo${once ? ' (--once: exits after the story)' : ''}\n`);

	// The runtime's npm install (minutes the first time, mostly download and disk) runs while the mail
	// server and PostgreSQL start (from Debian the first time) and the package is built.
	step('n8n runtime: n8n 2.41.1 + Node 24 (the first time: the npm packages, no native compile), meanwhile the servers and the package');
	const runtimeReady = part('n8n runtime', () => ensureN8nRuntime({ stage: 'base', log: (line) => step(`  ${line}`) }));
	const prepared = (async () => {
		step('mail stack: Postfix + Dovecot on 127.0.0.1 (domain example.test)');
		step(`mail stack: ${await part('mail stack', () => ensureMailStack(step))}; emptying the mailboxes of ${SENDER}, prospect1..3`);
		await resetDemoMailboxes();
		step(`database: PostgreSQL on 127.0.0.1 (installed from Debian if missing), database ${DATABASE}`);
		await part('PostgreSQL', async () => {
			await ensureServices('postgres', (line) => step(`  ${line}`));
			await createDatabase(DATABASE);
		});
		step('package: build, npm pack, install into n8n\'s nodes folder (as Settings → Community Nodes does)');
		// Its own work folder: the e2e tests pack into .runtime/pack and may run at the same time.
		return part('build + pack', () => packAndInstallTemplate({ workDir: path.join(repoRootDir(), '.runtime', 'demo-pack'), log: (line) => step(`  ${line}`) }));
	})();
	const [runtime, packed] = await Promise.all([runtimeReady, prepared]);
	step(`n8n runtime: ${runtime.installed ? 'installed' : 'reused'} (${runtime.dir})`);

	const userFolder = path.join(repoRootDir(), '.runtime', 'demo');
	fs.rmSync(userFolder, { recursive: true, force: true });
	const port = await firstFreePort(FIRST_PORT);
	server = await N8nServer.create({
		userFolder,
		nodesTemplate: packed.nodesTemplate,
		port,
		runtimeStage: 'base',
		env: { ...postgresEnv(DATABASE), N8N_EXPRESSION_ENGINE: EXPRESSION_ENGINE },
		log: (line) => step(line),
	});
	const live = server;
	await part('n8n start', async () => {
		await live.start();
		await live.setupOwner();
	});
	const { email, password } = server.owner;
	step(`n8n: owner account ${email} / ${password}`);

	const credentialData = senderCredential();
	const test = await server.testCredential(TYPES.credential, credentialData);
	step(`credential test (what the editor's Save runs): ${test.status} ${test.message}`);
	if (test.status !== 'OK') throw new Error(`the Outreach Mailbox credential for ${SENDER} does not work: ${test.message}`);
	const credentialId = await server.createCredential(CREDENTIAL_NAME, TYPES.credential, credentialData);
	const bind = { [TYPES.credential]: { id: credentialId, name: CREDENTIAL_NAME } };
	step(`credential "${CREDENTIAL_NAME}" stored (SMTP ${String(credentialData.smtpHost)}:${String(credentialData.smtpPort)} TLS, IMAP ${String(credentialData.imapHost)}:${String(credentialData.imapPort)} TLS, stack CA trusted)`);

	for (const [file, why] of OTHER_EXAMPLES) {
		const id = await server.createWorkflow(bindCredentials(readExample(file), bind));
		step(`imported examples/${file} (inactive: ${why}) → ${server.baseUrl}/workflow/${id}`);
	}
	// The CRM: a data table in n8n's own database, one row per prospect.
	const tables = new DataTables(server);
	const tableId = await tables.create(TABLE, CRM_COLUMNS);
	await tables.insert(tableId, CRM_ROWS);
	step(`data table "${TABLE}" created with ${CRM_ROWS.length} rows (status active) → ${server.baseUrl}/projects (Data tables)`);
	// The examples as a user adapts them for a story told in minutes: step 2 one minute after step 1,
	// the window always open, every 20 seconds.
	const choices = { credential: bind[TYPES.credential], table: TABLE, sequenceKey: SEQUENCE_KEY, stepMinutes: 1, steps: 2, scheduleSeconds: 20 };
	// The trigger never scans old mail on activation: activate it before anything is sent.
	const repliesId = await server.createWorkflow(adaptExample(DEMO_REPLIES, choices));
	await server.activateWorkflow(repliesId);
	step(`imported and activated examples/${DEMO_REPLIES} (IMAP IDLE on ${SENDER}, each outcome written to the table) → ${server.baseUrl}/workflow/${repliesId}`);
	const sequenceId = await server.createWorkflow(adaptExample(DEMO_SEQUENCE, choices));
	await server.activateWorkflow(sequenceId);
	step(`imported and activated examples/${DEMO_SEQUENCE} (every 20 seconds instead of 10 minutes, 2 steps a minute apart) → ${server.baseUrl}/workflow/${sequenceId}`);

	const storyStarted = Date.now();
	say(`\nThe story (times are this machine's, ${Intl.DateTimeFormat().resolvedOptions().timeZone}):`);
	step(`waiting for the schedule's first run (within 20 seconds of ${clock(new Date())})…`);
	const actions: DemoAction[] = [];
	const printed = new Set<string>();
	const fetchRuns = async () => ({
		sequence: (await live.executions(sequenceId, 100)).filter(done),
		replies: (await live.executions(repliesId, 100)).filter(done),
	});
	const poll = async () => {
		const runs = await fetchRuns();
		for (const event of timeline({ ...runs, actions }, NODE_NAMES)) {
			if (printed.has(event.key)) continue;
			printed.add(event.key);
			say(`  ${formatEvent(event)}`);
		}
		return runs;
	};

	const storyFacts = { replier: REPLIER, follower: FOLLOWER, bouncing: BOUNCING };
	let deadline = Date.now() + FIRST_RUN_TIMEOUT_MS;
	while ((await poll()).sequence.length === 0) {
		if (Date.now() > deadline) throw new Error(`the sequence workflow did not run within ${FIRST_RUN_TIMEOUT_MS / 1000} s of activation`);
		await sleep(POLL_MS);
	}

	const [step1] = await waitForReceived('prospect1', 1, 30_000);
	await sleep(3_000); // let the moment read like a person's answer, not a machine's
	const replyId = await replyAsProspect(
		'prospect1',
		step1,
		'Paula',
		'Hi,\n\nthanks for reaching out. Yes, a call next week works: Tuesday 10:00?\n\nPaula',
	);
	actions.push({ at: new Date(), text: `${REPLIER} replies from her own mailbox (SMTP submission), In-Reply-To ${step1.messageId}, Message-ID ${replyId}` });

	deadline = Date.now() + STORY_TIMEOUT_MS;
	let runs = await poll();
	while (!storyComplete({ ...runs, ...storyFacts }, NODE_NAMES)) {
		if (Date.now() > deadline) break;
		await sleep(POLL_MS);
		runs = await poll();
	}

	// Read the mailboxes and n8n's executions once more, from scratch, to tell and check the story.
	runs = await fetchRuns();
	const received = {
		[REPLIER]: await receivedFromSender('prospect1'),
		[FOLLOWER]: await receivedFromSender('prospect2'),
	};
	const crmRows = await tables.rows(tableId);
	const problems = [...checkStory({ ...runs, received, ...storyFacts }, NODE_NAMES), ...checkCrmRows(crmRows, storyFacts)];

	// The story was told live; only what the last read adds is printed.
	for (const event of timeline({ ...runs, actions }, NODE_NAMES)) {
		if (!printed.has(event.key)) say(`  ${formatEvent(event)}`);
	}
	parts.push(['story', Math.round((Date.now() - storyStarted) / 1000)]);
	say(`\nIn the mailboxes: ${REPLIER} holds ${received[REPLIER].length} email(s) from ${SENDER}; ${FOLLOWER} holds ${received[FOLLOWER].length}` +
		(received[FOLLOWER].length === 2 ? `, step 2 In-Reply-To ${received[FOLLOWER][1].inReplyTo} (= step 1's Message-ID: ${received[FOLLOWER][1].inReplyTo === received[FOLLOWER][0].messageId ? 'yes' : 'NO'})` : ''));
	say(`\nThe data table "${TABLE}" (the CRM) after the story:`);
	for (const line of formatCrmRows(crmRows)) say(`  ${line}`);
	if (problems.length === 0) {
		say(`\nThe story went as told: prospect1 replied and got nothing more, nobody@ bounced and was stopped, prospect2 got step 2 in the same thread; the trigger emitted the reply and the bounce; the table says replied, bounced, step 2. (${elapsed()} in all)`);
	} else {
		say(`\nThe story did NOT go as told (${elapsed()}):`);
		for (const problem of problems) say(`  - ${problem}`);
		say(`n8n's log: ${server.logFile}`);
	}

	say(`\nTime: ${parts.map(([name, s]) => `${name} ${s} s`).join(', ')}; ${elapsed()} in all.`);
	say(`\nn8n: ${server.baseUrl}  (login ${email} / ${password}; PostgreSQL, expression engine ${EXPRESSION_ENGINE})`);
	say(`  sequence workflow:  ${server.baseUrl}/workflow/${sequenceId}/executions`);
	say(`  replies workflow:   ${server.baseUrl}/workflow/${repliesId}/executions`);
	if (once) await shutdown(problems.length === 0 ? 0 : 1);

	say('\nn8n keeps running (the schedule still ticks every 20 seconds; new events appear below). Ctrl-C stops it.');
	for (;;) {
		await sleep(5_000);
		await poll().catch(() => undefined);
	}
}

main().catch(async (error: unknown) => {
	say(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}`);
	if (server) say(`n8n's log: ${server.logFile}`);
	await shutdown(1);
});
