/**
 * Screenshots of the real n8n editor with headless Chromium (Debian's `chromium`, driven by
 * playwright-core from the runtime folder — neither is a dependency of the package).
 *
 *   await screenshotWorkflow(server, workflowId, 'docs/screenshots/sequence.png');
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { N8nServer } from './n8n-server';

const CHROMIUM = '/usr/bin/chromium';
/** Flags measured to work headless as root on this machine (no GPU, no sandbox, no phoning home). */
const CHROMIUM_ARGS = [
	'--headless',
	'--no-sandbox',
	'--disable-gpu',
	'--disable-quic',
	'--no-first-run',
	'--disable-background-networking',
	'--disable-component-update',
	'--disable-sync',
];
/** The editor bundle is large; first paint of a canvas takes a few seconds on 2 cores. */
const CANVAS_TIMEOUT_MS = 60_000;

/** The small slice of playwright-core's API used here (its own types live in the runtime folder). */
interface PwRequest {
	post(url: string, options: { data: unknown; headers?: Record<string, string> }): Promise<{ ok(): boolean; status(): number; text(): Promise<string> }>;
}
/** The slice of playwright's Locator used here. */
export interface PwLocator {
	first(): PwLocator;
	locator(selector: string): PwLocator;
	waitFor(options?: { state?: 'visible' | 'attached'; timeout?: number }): Promise<void>;
	click(options?: { timeout?: number; force?: boolean }): Promise<void>;
	count(): Promise<number>;
}

/** The slice of playwright's Frame used here (the page's main frame or an iframe). */
export interface PwFrame {
	url(): string;
	locator(selector: string): PwLocator;
}

/** The slice of playwright's Page used here and by callers of {@link screenshotPage}. */
export interface PwPage {
	locator(selector: string): PwLocator;
	/** The main frame first, then every iframe (n8n's execution preview renders the workflow in one). */
	frames(): PwFrame[];
	goto(url: string, options?: { waitUntil?: 'load' | 'domcontentloaded' | 'networkidle' | 'commit' }): Promise<unknown>;
	waitForSelector(selector: string, options?: { timeout?: number; state?: 'visible' | 'attached' }): Promise<unknown>;
	waitForTimeout(ms: number): Promise<void>;
	screenshot(options: { path: string; fullPage?: boolean }): Promise<Buffer>;
	url(): string;
	setViewportSize(size: { width: number; height: number }): Promise<void>;
	click(selector: string, options?: { timeout?: number; force?: boolean }): Promise<void>;
	close(): Promise<void>;
	dblclick(selector: string, options?: { timeout?: number; force?: boolean }): Promise<void>;
	keyboard: { press(key: string): Promise<void> };
	mouse: { move(x: number, y: number): Promise<void> };
}
interface PwContext {
	request: PwRequest;
	newPage(): Promise<PwPage>;
	close(): Promise<void>;
}
interface PlaywrightCore {
	chromium: {
		launchPersistentContext(
			userDataDir: string,
			options: {
				executablePath: string;
				args: string[];
				headless: boolean;
				viewport: { width: number; height: number };
				deviceScaleFactor?: number;
			},
		): Promise<PwContext>;
	};
}

export interface ScreenshotOptions {
	width?: number;
	height?: number;
	/** Extra wait after the canvas appears, for fonts and edges to settle (default 1500 ms). */
	settleMs?: number;
}

/** Installs Debian's chromium if it is missing (as root, ~70 s once). */
export function ensureChromium(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string {
	if (fs.existsSync(CHROMIUM)) return CHROMIUM;
	log('screenshot: apt-get install -y chromium (~70 s, once)');
	execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], {
		stdio: ['ignore', 'ignore', 'inherit'],
		env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
	});
	return CHROMIUM;
}

function loadPlaywright(server: N8nServer): PlaywrightCore {
	const entry = path.join(server.runtime.dir, 'node_modules', 'playwright-core');
	if (!fs.existsSync(entry)) throw new Error(`playwright-core is not in ${entry}: reinstall the runtime (scripts/n8n-runtime.ts --force)`);
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(entry) as PlaywrightCore;
}

export interface PageShotOptions extends ScreenshotOptions {
	/** Selector that must be visible before the shot (default: a canvas node). */
	waitFor?: string;
	/**
	 * Runs after `waitFor` appeared and before the settle wait (open a panel, switch a view …);
	 * `frame` is the frame where `waitFor` was found.
	 */
	prepare?: (page: PwPage, frame: PwFrame) => Promise<void>;
}

/** One page of {@link screenshotPages}; `width`/`height` override the batch's viewport for this page. */
export interface PageShot extends PageShotOptions {
	/** Editor path, e.g. `/workflow/<id>/<nodeId>` or `/workflow/<id>/executions/<executionId>/<nodeId>`. */
	urlPath: string;
	outFile: string;
}

/**
 * Logs into the editor as the owner once (`POST /rest/login` in the browser's own context, so the
 * session cookie is the browser's), then for each shot opens its path in a new tab, waits for
 * `waitFor`, runs `prepare` and saves a PNG. One browser for all shots: Chromium's start and the
 * editor bundle's first load are most of the cost. A failed shot is saved as `<name>.failed.png`.
 * Returns the seconds each shot took.
 */
export async function screenshotPages(server: N8nServer, shots: PageShot[], size: { width?: number; height?: number } = {}): Promise<number[]> {
	const executablePath = ensureChromium();
	const { chromium } = loadPlaywright(server);
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-chromium-'));
	// A new, empty profile each time (playwright passes it as --user-data-dir).
	const context = await chromium.launchPersistentContext(profile, {
		executablePath,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport: { width: size.width ?? 1440, height: size.height ?? 900 },
		deviceScaleFactor: 1,
	});
	const seconds: number[] = [];
	try {
		const res = await context.request.post(`${server.baseUrl}/rest/login`, {
			data: { emailOrLdapLoginId: server.owner.email, password: server.owner.password },
		});
		if (!res.ok()) throw new Error(`browser login failed: HTTP ${res.status()} ${await res.text()}`);
		for (const shot of shots) {
			const started = Date.now();
			const failShot = shot.outFile.replace(/\.png$/, '') + '.failed.png';
			const page = await context.newPage();
			try {
				if (shot.width || shot.height) {
					await page.setViewportSize({ width: shot.width ?? size.width ?? 1440, height: shot.height ?? size.height ?? 900 });
				}
				// only the navigation itself: the bundle's load is part of waiting for `waitFor` (under load the
				// editor's first page took over goto's own 30 s to reach domcontentloaded)
				await page.goto(`${server.baseUrl}${shot.urlPath}`, { waitUntil: 'commit' });
				const frame = await waitForVisible(page, shot.waitFor ?? '[data-test-id="canvas-node"]', CANVAS_TIMEOUT_MS);
				if (shot.prepare) await shot.prepare(page, frame);
				await page.waitForTimeout(shot.settleMs ?? 1500);
				fs.mkdirSync(path.dirname(path.resolve(shot.outFile)), { recursive: true });
				await page.screenshot({ path: shot.outFile });
				fs.rmSync(failShot, { force: true });
			} catch (err) {
				await page.screenshot({ path: failShot }).catch(() => undefined);
				throw new Error(`screenshot of ${shot.urlPath} failed on ${page.url()} (see ${failShot}): ${(err as Error).message}`);
			} finally {
				await page.close();
			}
			seconds.push(Math.round((Date.now() - started) / 100) / 10);
		}
		return seconds;
	} finally {
		await context.close();
		fs.rmSync(profile, { recursive: true, force: true });
	}
}

/**
 * Polls every frame of the page until one has a *visible* element matching `selector` (hidden copies,
 * e.g. a second node panel kept in the DOM, do not count); returns that frame.
 */
async function waitForVisible(page: PwPage, selector: string, timeoutMs: number): Promise<PwFrame> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		for (const frame of page.frames()) {
			if ((await frame.locator(`${selector} >> visible=true`).count().catch(() => 0)) > 0) return frame;
		}
		if (Date.now() > deadline) {
			const frames = page.frames().map((f) => f.url() || '(blank)').join(', ');
			throw new Error(`no visible ${selector} within ${timeoutMs / 1000} s in frames: ${frames}`);
		}
		await page.waitForTimeout(250);
	}
}

/** One page: see {@link screenshotPages}. */
export async function screenshotPage(server: N8nServer, urlPath: string, outFile: string, options: PageShotOptions = {}): Promise<string> {
	await screenshotPages(server, [{ ...options, urlPath, outFile }], { width: options.width, height: options.height });
	return outFile;
}

/** Opens `/workflow/<id>`, waits for the canvas nodes and saves a PNG. */
export async function screenshotWorkflow(
	server: N8nServer,
	workflowId: string,
	outFile: string,
	options: ScreenshotOptions = {},
): Promise<string> {
	return screenshotPage(server, `/workflow/${workflowId}`, outFile, options);
}
