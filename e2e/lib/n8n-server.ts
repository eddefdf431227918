/**
 * A real n8n server (2.41 on Node 24 by default, or the 1.x runtime), started as a child process for
 * e2e tests, the demo and CI. The same class runs a queue-mode worker (`command: 'worker'`).
 *
 *   const server = await N8nServer.create({ nodesTemplate });   // fresh user folder, package installed
 *   await server.start();                                        // free port, waits for readiness
 *   await server.setupOwner();                                   // owner, login cookie, API key
 *   await server.testCredential(TYPES.credential, data);        // what the editor does on "Save"
 *   await server.stop();                                         // SIGTERM the process group, wait
 *
 * n8n's output goes to `<userFolder>/n8n.log`; failures include its tail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureN8nRuntime, run, runtimeById, type N8nRuntime, type RuntimeSpec, type RuntimeStage } from '../../scripts/lib/n8n-runtime';
import { freePort } from './free-port';

/** Fresh folder: ~18 s on this machine; restart: 11–14 s. Generous for CI under load. */
const READINESS_TIMEOUT_MS = 180_000;
/** n8n finishes running executions on SIGTERM; after this we SIGKILL the whole process group. */
const STOP_TIMEOUT_MS = 20_000;
const OWNER = { email: 'owner@example.test', firstName: 'E2E', lastName: 'Owner', password: 'E2ePassw0rd!' };

export interface N8nServerOptions {
	/** Reuse an existing user folder (restart scenarios); default: a new temp dir. */
	userFolder?: string;
	/** A nodes folder prepared by `packAndInstallTemplate`, copied into `<userFolder>/.n8n/nodes`. */
	nodesTemplate?: string;
	/** Extra environment for n8n (wins over the defaults). */
	env?: Record<string, string>;
	/** Listen on this port instead of a free one the kernel picks (the demo prints a stable URL). */
	port?: number;
	/** Progress sink; defaults to stderr. */
	log?: (line: string) => void;
	/** `start` (the main instance, default) or `worker` (queue mode: runs executions from Redis). */
	command?: 'start' | 'worker';
	/** Extra CLI arguments, e.g. `--concurrency=5` for a worker. */
	args?: string[];
	/** Shared by every process of one installation (queue mode); default: one per user folder. */
	encryptionKey?: string;
	/** Which pinned runtime runs this server (default 2.x), and which install stage it needs. */
	runtime?: RuntimeSpec;
	runtimeStage?: RuntimeStage;
}

/** One row of the public API's `GET /api/v1/executions`. */
export interface N8nExecution {
	id: string;
	finished: boolean;
	mode: string;
	status: string;
	workflowId: string;
	startedAt: string;
	stoppedAt: string | null;
	data?: {
		resultData: {
			runData: Record<string, Array<{ data?: { main?: Array<Array<{ json: Record<string, unknown> }> | null> }; error?: { message: string } }>>;
			error?: { message: string; description?: string };
			lastNodeExecuted?: string;
		};
	};
}

/** What `n8n execute --rawOutput` prints: n8n's `IRun`. */
export interface N8nCliRun {
	status: string;
	mode: string;
	data: NonNullable<N8nExecution['data']>;
}

/** Result of `POST /rest/credentials/test` (n8n's `INodeCredentialTestResult`). */
export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

/** Workflow JSON as n8n exports it (the fields the public API accepts). */
export interface WorkflowJson {
	name: string;
	nodes: Array<Record<string, unknown>>;
	connections: Record<string, unknown>;
	settings?: Record<string, unknown>;
	[key: string]: unknown;
}

/** Serializable handle of a running server (see {@link N8nServer.toState}). */
export interface N8nServerState {
	port: number;
	userFolder: string;
	encryptionKey: string;
	apiKey: string;
	cookie: string;
	browserId: string;
	pid: number | undefined;
	readinessSeconds: number;
	/** Id of the runtime that runs it (`2.x`, `1.x`). */
	runtime: RuntimeSpec['id'];
}

export class N8nHttpError extends Error {
	constructor(
		readonly method: string,
		readonly url: string,
		readonly status: number,
		readonly body: string,
	) {
		super(`${method} ${url} -> HTTP ${status}: ${body.slice(0, 500)}`);
		this.name = 'N8nHttpError';
	}
}

export class N8nServer {
	private child: ChildProcess | undefined;
	private exited: Promise<void> = Promise.resolve();
	private cookie = '';
	private browserId = randomBytes(8).toString('hex');
	/** True for a client made by {@link attach}: it does not own the process. */
	private attached = false;
	/** n8n 1.x: workflows whose triggers the API started since the last start (see {@link waitForTriggerActive}). */
	private readonly activatedByApi = new Set<string>();
	/** Public API key, after {@link setupOwner} or {@link login}. */
	apiKey = '';
	/** Port of the current (or last) start. */
	port = 0;
	/** Seconds from spawn to `/healthz/readiness` = ok, for the last start. */
	readinessSeconds = 0;

	private constructor(
		readonly runtime: N8nRuntime,
		readonly userFolder: string,
		readonly encryptionKey: string,
		private readonly extraEnv: Record<string, string>,
		private readonly log: (line: string) => void,
		private readonly fixedPort?: number,
		readonly command: 'start' | 'worker' = 'start',
		private readonly args: string[] = [],
	) {}

	/** Installs the runtime if needed, prepares the user folder and the package; does not start. */
	static async create(options: N8nServerOptions = {}): Promise<N8nServer> {
		const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
		const runtime = await ensureN8nRuntime({ log, runtime: options.runtime, stage: options.runtimeStage });
		const userFolder = options.userFolder ?? fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-e2e-'));
		fs.mkdirSync(path.join(userFolder, '.n8n'), { recursive: true });
		// The key must survive restarts of the same folder, or stored credentials become unreadable.
		const keyFile = path.join(userFolder, 'encryption-key');
		if (options.encryptionKey) fs.writeFileSync(keyFile, options.encryptionKey);
		if (!fs.existsSync(keyFile)) fs.writeFileSync(keyFile, randomBytes(24).toString('hex'));
		const encryptionKey = fs.readFileSync(keyFile, 'utf8').trim();
		if (options.nodesTemplate) {
			const nodes = path.join(userFolder, '.n8n', 'nodes');
			fs.rmSync(nodes, { recursive: true, force: true });
			fs.cpSync(options.nodesTemplate, nodes, { recursive: true });
		}
		return new N8nServer(runtime, userFolder, encryptionKey, options.env ?? {}, log, options.port, options.command, options.args);
	}

	/** The main instance's editor and API; for a worker, its health server (`/healthz`). */
	get baseUrl(): string {
		return `http://127.0.0.1:${this.port}`;
	}

	get logFile(): string {
		return path.join(this.userFolder, 'n8n.log');
	}

	get running(): boolean {
		return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
	}

	/** Environment of the server and of CLI commands on the same folder. */
	env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
		const port = String(this.port);
		return {
			PATH: `${this.runtime.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
			HOME: process.env.HOME ?? os.homedir(),
			TZ: process.env.TZ ?? 'UTC',
			N8N_USER_FOLDER: this.userFolder,
			N8N_PORT: port,
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_HOST: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}`,
			WEBHOOK_URL: `http://127.0.0.1:${port}/`,
			N8N_ENCRYPTION_KEY: this.encryptionKey,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_SECURE_COOKIE: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			// 2.x only: 1.x does not know the module and refuses to start.
			...(this.n8nMajor >= 2 ? { N8N_DISABLED_MODULES: 'mcp-registry' } : {}),
			N8N_VERIFIED_PACKAGES_ENABLED: 'false',
			N8N_GRACEFUL_SHUTDOWN_TIMEOUT: '10',
			N8N_LOG_LEVEL: process.env.N8N_LOG_LEVEL ?? 'info',
			DB_TYPE: 'sqlite',
			...this.runtime.spec.serverEnv,
			...this.extraEnv,
			...extra,
		};
	}

	/**
	 * Spawns `n8n start` (or `n8n worker`) on a free port and waits until `/healthz/readiness` says ok
	 * (a worker answers it on its health server, `QUEUE_HEALTH_CHECK_PORT`).
	 */
	async start(): Promise<void> {
		if (this.attached) throw new Error('an attached client cannot start n8n; the owning process does');
		if (this.running) throw new Error('n8n is already running');
		this.port = this.fixedPort ?? (await freePort());
		this.activatedByApi.clear();
		// The task-runner broker listens too (default 5679): give it its own free port so several
		// servers and CLI commands can coexist.
		const brokerPort = String(await freePort());
		const portEnv: Record<string, string> =
			this.command === 'worker' ? { QUEUE_HEALTH_CHECK_ACTIVE: 'true', QUEUE_HEALTH_CHECK_PORT: String(this.port), QUEUE_HEALTH_CHECK_ADDRESS: '127.0.0.1' } : {};
		const out = fs.openSync(this.logFile, 'a');
		fs.writeSync(out, `\n===== n8n ${this.command} on port ${this.port} at ${new Date().toISOString()} =====\n`);
		const started = Date.now();
		const child = spawn(this.runtime.nodeBin, [this.runtime.n8nEntry, this.command, ...this.args], {
			cwd: this.userFolder,
			env: this.env({ N8N_RUNNERS_BROKER_PORT: brokerPort, ...portEnv }),
			stdio: ['ignore', out, out],
			detached: true, // own process group: stop() signals n8n and its task runner together
		});
		fs.closeSync(out);
		this.child = child;
		this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
		this.log(`n8n ${this.command}: starting on ${this.baseUrl} (pid ${child.pid}, log ${this.logFile})`);

		for (;;) {
			if (!this.running) throw this.failure(`n8n exited with ${child.exitCode ?? child.signalCode} before it was ready`);
			if (Date.now() - started > READINESS_TIMEOUT_MS) {
				await this.stop();
				throw this.failure(`n8n was not ready after ${READINESS_TIMEOUT_MS / 1000} s`);
			}
			if (await this.answers()) break;
			await sleep(250);
		}
		this.readinessSeconds = Math.round((Date.now() - started) / 100) / 10;
		this.log(`n8n ${this.command}: ready in ${this.readinessSeconds} s`);
	}

	/**
	 * Ready: `/healthz/readiness` says ok and, on main, the editor's API answers — n8n 1.x reports ready
	 * (database up) before it has registered its REST controllers.
	 */
	private async answers(): Promise<boolean> {
		try {
			if (!(await fetch(`${this.baseUrl}/healthz/readiness`)).ok) return false;
			return this.command === 'worker' || (await fetch(`${this.baseUrl}/rest/settings`)).ok;
		} catch {
			return false; // not listening yet
		}
	}

	/**
	 * Kills n8n and everything it started (its task runner) with `signal` — SIGKILL by default, as an
	 * out-of-memory kill or a pulled plug would — and waits until the process group is gone.
	 */
	async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
		const child = this.child;
		if (!child || child.pid === undefined) return;
		signalGroup(child.pid, signal);
		for (let i = 0; i < 100 && groupAlive(child.pid); i++) await sleep(50);
		await this.exited;
		this.child = undefined;
		this.cookie = '';
	}

	/** Process id of the running n8n (also its process group id). */
	get pid(): number | undefined {
		return this.running ? this.child?.pid : undefined;
	}

	/** SIGTERM to the process group, wait for exit, SIGKILL whatever is left. */
	async stop(): Promise<void> {
		const child = this.child;
		if (!child || child.pid === undefined) return;
		const pgid = child.pid;
		if (this.running) {
			signalGroup(pgid, 'SIGTERM');
			let timer: NodeJS.Timeout | undefined;
			const timedOut = await Promise.race([
				this.exited.then(() => false),
				new Promise<boolean>((resolve) => {
					timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
				}),
			]);
			clearTimeout(timer);
			if (timedOut) this.log(`n8n: no exit ${STOP_TIMEOUT_MS / 1000} s after SIGTERM; sending SIGKILL`);
		}
		// The main process may be gone while the task runner it launched lingers: clear the group.
		for (let i = 0; i < 40 && groupAlive(pgid); i++) {
			if (i === 20) signalGroup(pgid, 'SIGKILL');
			await sleep(100);
		}
		if (groupAlive(pgid)) signalGroup(pgid, 'SIGKILL');
		await this.exited;
		this.child = undefined;
		this.cookie = '';
	}

	/** What another process (a jest worker) needs to talk to this running server. */
	toState(): N8nServerState {
		return {
			port: this.port,
			userFolder: this.userFolder,
			encryptionKey: this.encryptionKey,
			apiKey: this.apiKey,
			cookie: this.cookie,
			browserId: this.browserId,
			pid: this.child?.pid,
			readinessSeconds: this.readinessSeconds,
			runtime: this.runtime.spec.id,
		};
	}

	/**
	 * A client for a server started by another process (see {@link toState}): HTTP helpers and the CLI
	 * work; start/stop/restart belong to the process that owns the server.
	 */
	static async attach(state: N8nServerState, log?: (line: string) => void): Promise<N8nServer> {
		const runtime = await ensureN8nRuntime({ log, runtime: runtimeById(state.runtime), stage: 'base' });
		const server = new N8nServer(runtime, state.userFolder, state.encryptionKey, {}, log ?? ((line: string) => process.stderr.write(`${line}\n`)));
		server.port = state.port;
		server.apiKey = state.apiKey;
		server.cookie = state.cookie;
		server.browserId = state.browserId;
		server.readinessSeconds = state.readinessSeconds;
		server.attached = true;
		return server;
	}

	/** Stop and start again on the same user folder (same database, key and installed package). */
	async restart(): Promise<void> {
		await this.stop();
		await this.start();
		if (this.apiKey) await this.login();
	}

	/** Creates the owner account, keeps its session cookie and creates an API key with every scope. */
	async setupOwner(): Promise<void> {
		await this.rest('POST', '/rest/owner/setup', OWNER);
		await this.login();
		const scopes = await this.rest<string[]>('GET', '/rest/api-keys/scopes');
		const key = await this.rest<{ rawApiKey: string }>('POST', '/rest/api-keys', {
			label: `e2e-${Date.now()}`,
			expiresAt: null,
			scopes,
		});
		this.apiKey = key.rawApiKey;
	}

	/** Logs the owner in (`POST /rest/login`) and keeps the `n8n-auth` cookie. */
	async login(): Promise<string> {
		this.cookie = '';
		await this.rest('POST', '/rest/login', { emailOrLdapLoginId: OWNER.email, password: OWNER.password });
		if (!this.cookie) throw this.failure('POST /rest/login set no n8n-auth cookie');
		return this.cookie;
	}

	/** The owner's login, for a browser session. */
	get owner(): { email: string; password: string } {
		return { email: OWNER.email, password: OWNER.password };
	}

	/** The editor's internal API (`/rest/...`), authenticated by the session cookie; returns `data`. */
	async rest<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T> {
		const headers: Record<string, string> = { 'browser-id': this.browserId };
		if (this.cookie) headers.cookie = this.cookie;
		const res = await this.http(method, urlPath, headers, body);
		const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('n8n-auth='));
		if (setCookie) this.cookie = setCookie.split(';')[0];
		const json = (await res.json()) as { data: T };
		return json.data;
	}

	/** The public API (`/api/v1/...`), authenticated by the API key; returns the whole body. */
	async api<T = unknown>(method: string, urlPath: string, body?: unknown): Promise<T> {
		if (!this.apiKey) throw new Error('no API key: call setupOwner() first');
		const res = await this.http(method, `/api/v1${urlPath}`, { 'X-N8N-API-KEY': this.apiKey }, body);
		const text = await res.text();
		return (text ? JSON.parse(text) : undefined) as T;
	}

	/**
	 * Tests credential data exactly as the editor's credential dialog does on "Save": the dialog
	 * stores the credential (`POST /rest/credentials`), then calls `POST /rest/credentials/test` with
	 * its id and data (n8n 2.41 requires the id). The stored copy is deleted afterwards unless `keep`.
	 */
	async testCredential(
		type: string,
		data: Record<string, unknown>,
		options: { name?: string; keep?: boolean } = {},
	): Promise<CredentialTestResult & { credentialId: string }> {
		const name = options.name ?? `e2e ${type} ${Date.now()}`;
		const created = await this.rest<{ id: string }>('POST', '/rest/credentials', { name, type, data });
		try {
			const result = await this.rest<CredentialTestResult>('POST', '/rest/credentials/test', {
				credentials: { id: created.id, name, type, data },
			});
			return { ...result, credentialId: created.id };
		} finally {
			if (!options.keep) await this.rest('DELETE', `/rest/credentials/${created.id}`);
		}
	}

	/**
	 * Stores a credential through the public API (2.x) or the editor's API (1.x); returns its id. n8n
	 * 1.x's public API checks credential data against a JSON schema that ties every field shown for
	 * one `provider` to the first preset (gmail), so it refuses an Outreach Mailbox credential for any
	 * provider; the editor's own endpoint has no such check.
	 */
	async createCredential(name: string, type: string, data: Record<string, unknown>): Promise<string> {
		if (this.n8nMajor === 1) return (await this.rest<{ id: string }>('POST', '/rest/credentials', { name, type, data })).id;
		const res = await this.api<{ id: string }>('POST', '/credentials', { name, type, data });
		return res.id;
	}

	/** Stores a workflow through the public API; returns its id. Fields the API rejects are dropped. */
	async createWorkflow(workflow: WorkflowJson): Promise<string> {
		const { name, nodes, connections, settings } = workflow;
		const res = await this.api<{ id: string }>('POST', '/workflows', {
			name,
			nodes,
			connections,
			settings: settings ?? { executionOrder: 'v1' },
		});
		return res.id;
	}

	/** Publishes (activates) a workflow so its trigger runs in the server. */
	async activateWorkflow(id: string): Promise<void> {
		const workflow = await this.api<{ name: string }>('POST', `/workflows/${id}/activate`);
		// n8n 1.x starts the triggers before it answers (2.x only queues the activation).
		if (this.n8nMajor === 1) this.activatedByApi.add(workflow.name);
	}

	async deactivateWorkflow(id: string): Promise<void> {
		await this.api('POST', `/workflows/${id}/deactivate`);
	}

	/** Executions of a workflow, newest first, with their data. */
	async executions(workflowId: string, limit = 20): Promise<N8nExecution[]> {
		const res = await this.api<{ data: N8nExecution[] }>(
			'GET',
			`/executions?workflowId=${encodeURIComponent(workflowId)}&includeData=true&limit=${limit}`,
		);
		return res.data;
	}

	/** Polls {@link executions} until `predicate` holds for the list; returns it. */
	async waitForExecutions(
		workflowId: string,
		predicate: (executions: N8nExecution[]) => boolean,
		timeoutMs = 60_000,
	): Promise<N8nExecution[]> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const list = await this.executions(workflowId);
			if (predicate(list)) return list;
			if (Date.now() > deadline) {
				throw this.failure(`executions of ${workflowId} did not match within ${timeoutMs / 1000} s; last: ${JSON.stringify(list.map((e) => [e.id, e.status]))}`);
			}
			await sleep(300);
		}
	}

	/**
	 * Runs a stored workflow as the editor's "Execute workflow" button does
	 * (`POST /rest/workflows/:id/run` from the named trigger) and waits for the saved execution.
	 */
	async runManually(workflowId: string, triggerNodeName: string, timeoutMs = 120_000): Promise<N8nExecution> {
		return this.waitForExecution(await this.startManually(workflowId, triggerNodeName), timeoutMs);
	}

	/** Starts a manual run like {@link runManually} and returns its execution id without waiting. */
	async startManually(workflowId: string, triggerNodeName: string): Promise<string> {
		// 1.x runs the workflow the editor sends (`workflowData`); 2.x loads it by id.
		const workflowData = this.n8nMajor === 1 ? { workflowData: await this.rest('GET', `/rest/workflows/${workflowId}`) } : {};
		const started = await this.rest<{ executionId?: string; waitingForWebhook?: boolean }>(
			'POST',
			`/rest/workflows/${workflowId}/run`,
			{ triggerToStartFrom: { name: triggerNodeName }, ...workflowData },
		);
		if (!started.executionId) throw this.failure(`manual run of ${workflowId} started no execution: ${JSON.stringify(started)}`);
		return started.executionId;
	}

	/** One execution with its data (public API). */
	async execution(executionId: string): Promise<N8nExecution> {
		return this.api<N8nExecution>('GET', `/executions/${executionId}?includeData=true`);
	}

	/** Polls one execution (public API) until it is no longer new/running/waiting. */
	async waitForExecution(executionId: string, timeoutMs = 120_000): Promise<N8nExecution> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			try {
				const exec = await this.api<N8nExecution>('GET', `/executions/${executionId}?includeData=true`);
				if (!['new', 'running', 'waiting'].includes(exec.status)) return exec;
			} catch (err) {
				// saved only once it finishes in some configurations: 404 until then
				if (!(err instanceof N8nHttpError && err.status === 404)) throw err;
			}
			if (Date.now() > deadline) throw this.failure(`execution ${executionId} did not finish within ${timeoutMs / 1000} s`);
			await sleep(300);
		}
	}

	/**
	 * Runs a stored workflow once with the CLI (`n8n execute --id`), as a separate Node 24 process on
	 * the same database, and returns the finished run (n8n's `IRun`). Works whether or not the server
	 * is running; the execution is saved and visible through {@link executions}.
	 */
	async execute(workflowId: string): Promise<N8nCliRun> {
		const out = await this.cli(['execute', `--id=${workflowId}`, '--rawOutput']);
		// Logger lines precede the JSON on stdout.
		const start = out.search(/^\{/m);
		if (start < 0) throw this.failure(`n8n execute printed no JSON:\n${out.slice(-2000)}`);
		return JSON.parse(out.slice(start)) as N8nCliRun;
	}

	/** Runs an n8n CLI command (`import:workflow`, `import:credentials`, `publish:workflow`, …) on this folder. */
	async cli(args: string[]): Promise<string> {
		if (this.port === 0) this.port = await freePort();
		const env = this.env({ N8N_RUNNERS_BROKER_PORT: String(await freePort()) });
		return run(this.runtime.nodeBin, [this.runtime.n8nEntry, ...args], {
			cwd: this.userFolder,
			env,
			log: (line) => fs.appendFileSync(this.logFile, `[cli ${args[0]}] ${line}\n`),
			label: `n8n ${args[0]}`,
		});
	}

	/** Current size of n8n's log in bytes: pass it to {@link waitForLog} to look only at what comes after. */
	logSize(): number {
		try {
			return fs.statSync(this.logFile).size;
		} catch {
			return 0;
		}
	}

	/** Polls n8n's log from byte `from` until a line matches `pattern`; returns the line. */
	async waitForLog(pattern: RegExp, options: { from?: number; timeoutMs?: number } = {}): Promise<string> {
		const deadline = Date.now() + (options.timeoutMs ?? 60_000);
		for (;;) {
			let text = '';
			try {
				const fd = fs.openSync(this.logFile, 'r');
				try {
					const size = fs.fstatSync(fd).size;
					const from = options.from ?? 0;
					const buffer = Buffer.alloc(Math.max(0, size - from));
					fs.readSync(fd, buffer, 0, buffer.length, from);
					text = buffer.toString('utf8');
				} finally {
					fs.closeSync(fd);
				}
			} catch {
				// no log yet
			}
			// eslint-disable-next-line no-control-regex
			const line = text.split('\n').map((l) => l.replace(/\x1b\[[0-9;]*m/g, '')).find((l) => pattern.test(l));
			if (line !== undefined) return line;
			if (Date.now() > deadline) throw this.failure(`no log line matching ${pattern} within ${(options.timeoutMs ?? 60_000) / 1000} s`);
			await sleep(250);
		}
	}

	/**
	 * Waits until n8n has started a trigger node (its `trigger()` returned) — publishing through the
	 * API only queues the activation (n8n 2.x publication outbox), so mail that arrives right after
	 * `activateWorkflow` can predate the trigger. n8n logs this at debug level: start the server with
	 * `N8N_LOG_LEVEL=debug`. `from` is a {@link logSize} taken before the activation or start.
	 */
	async waitForTriggerActive(nodeName: string, workflowName: string, from: number, timeoutMs = 60_000): Promise<void> {
		const quoted = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		if (this.n8nMajor === 1) {
			// 1.x: an API activation has started the trigger when it answers; on start-up n8n logs
			// 'Activated workflow "<name>" (ID: …)' (info) once the workflow's triggers run.
			if (this.activatedByApi.has(workflowName)) return;
			await this.waitForLog(new RegExp(`Activated workflow "${quoted(workflowName)}"`), { from, timeoutMs });
			return;
		}
		await this.waitForLog(new RegExp(`Activated trigger node "${quoted(nodeName)}" for workflow "${quoted(workflowName)}"`), { from, timeoutMs });
	}

	/** n8n's major version (1 or 2): a few internal endpoints differ. */
	get n8nMajor(): number {
		return Number(this.runtime.n8nVersion.split('.')[0]);
	}

	/** Last lines of n8n's log, for error messages. */
	logTail(lines = 60): string {
		try {
			return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
		} catch {
			return '(no n8n log)';
		}
	}

	/** An Error carrying n8n's log tail. */
	failure(message: string): Error {
		return new Error(`${message}\n--- tail of ${this.logFile} ---\n${this.logTail()}`);
	}

	private async http(method: string, urlPath: string, headers: Record<string, string>, body?: unknown): Promise<Response> {
		const url = `${this.baseUrl}${urlPath}`;
		const init: RequestInit = { method, headers: { ...headers } };
		if (body !== undefined) {
			(init.headers as Record<string, string>)['content-type'] = 'application/json';
			init.body = JSON.stringify(body);
		}
		let res: Response;
		try {
			res = await fetch(url, init);
		} catch (err) {
			// fetch keeps connections alive between calls; n8n closes an idle one after 5 s, and on a loaded
			// machine the next call can pick it up just as n8n closes it. The request was then never read
			// ("other side closed" before any answer), so sending it again on a new connection is safe.
			if (!closedBeforeAnswer(err)) throw err;
			res = await fetch(url, init);
		}
		if (!res.ok) throw new N8nHttpError(method, urlPath, res.status, await res.text());
		return res;
	}
}

/**
 * fetch failed because the server closed a kept-alive connection before answering. Read by shape, not
 * `instanceof`: under jest the error comes from Node's realm, not the test's.
 */
function closedBeforeAnswer(err: unknown): boolean {
	const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null | undefined)?.cause;
	return cause?.code === 'UND_ERR_SOCKET' && cause.message === 'other side closed';
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
	try {
		process.kill(-pgid, signal);
	} catch {
		// group already gone
	}
}

function groupAlive(pgid: number): boolean {
	try {
		process.kill(-pgid, 0);
		return true;
	} catch {
		return false;
	}
}
