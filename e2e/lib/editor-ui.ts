/**
 * Drives n8n 2.41's workflow editor in Chromium the way a person does: the canvas's "+" buttons, the node
 * panel's search, parameter fields, Execute step, the output panel. Selectors are n8n's own
 * `data-test-id`s and visible texts (what n8n's Playwright page objects use); nothing here calls n8n's
 * API. Used by `e2e/editor-recipe.test.ts` through `screenshotPages`' `prepare` hook.
 */
import type { PwPage } from './screenshot';

/** The slice of playwright's Locator used here (the full API is there at run time). */
export interface UiLocator {
	first(): UiLocator;
	last(): UiLocator;
	nth(index: number): UiLocator;
	locator(selector: string): UiLocator;
	click(options?: { timeout?: number; force?: boolean; position?: { x: number; y: number } }): Promise<void>;
	hover(options?: { timeout?: number; force?: boolean }): Promise<void>;
	fill(value: string, options?: { timeout?: number }): Promise<void>;
	press(key: string): Promise<void>;
	waitFor(options?: { state?: 'visible' | 'attached' | 'hidden'; timeout?: number }): Promise<void>;
	count(): Promise<number>;
	innerText(options?: { timeout?: number }): Promise<string>;
	allInnerTexts(): Promise<string[]>;
	inputValue(options?: { timeout?: number }): Promise<string>;
	isVisible(): Promise<boolean>;
	scrollIntoViewIfNeeded(options?: { timeout?: number }): Promise<void>;
}

/** The slice of playwright's Page used here. */
export interface UiPage extends Omit<PwPage, 'locator'> {
	locator(selector: string): UiLocator;
	keyboard: PwPage['keyboard'] & { insertText(text: string): Promise<void>; type(text: string): Promise<void> };
}

/** Generous: the editor bundle and each panel take seconds on a loaded 2-core machine. */
const UI_TIMEOUT_MS = 60_000;

/** The page as this module's slice (screenshotPages hands over playwright's full Page). */
export function asUiPage(page: PwPage): UiPage {
	return page as unknown as UiPage;
}

/** The first visible element matching `selector`. */
export function visible(page: UiPage, selector: string): UiLocator {
	return page.locator(`${selector} >> visible=true`).first();
}

/** Clicks the first visible element matching `selector` once it shows. */
export async function clickVisible(page: UiPage, selector: string): Promise<void> {
	const target = visible(page, selector);
	await target.waitFor({ timeout: UI_TIMEOUT_MS });
	await target.click({ timeout: UI_TIMEOUT_MS });
}

/** Types `query` into the node panel's search and picks the entry named exactly `name`. */
export async function pickFromNodePanel(page: UiPage, query: string, name: string): Promise<void> {
	const search = visible(page, '[data-test-id="node-creator-search-bar"]');
	await search.waitFor({ timeout: UI_TIMEOUT_MS });
	await search.fill(query);
	await clickVisible(page, `[data-test-id="node-creator-item-name"]:text-is("${name}")`);
}

/** The names the node panel lists for `query` (what a user sees after typing it). */
export async function nodePanelResults(page: UiPage, query: string): Promise<string[]> {
	const search = visible(page, '[data-test-id="node-creator-search-bar"]');
	await search.waitFor({ timeout: UI_TIMEOUT_MS });
	await search.fill(query);
	await page.waitForTimeout(500);
	const items = page.locator('[data-test-id="node-creator-item-name"] >> visible=true');
	const names: string[] = [];
	for (let i = 0; i < (await items.count()); i++) names.push((await items.nth(i).innerText()).trim());
	return names;
}

/** The "+" on the output of the canvas node named `nodeName`. */
export async function clickPlusAfter(page: UiPage, nodeName: string): Promise<void> {
	const node = visible(page, `[data-test-id="canvas-node"][data-node-name="${nodeName}"]`);
	await node.hover({ timeout: UI_TIMEOUT_MS });
	await clickVisible(page, `[data-test-id="canvas-node-output-handle"][data-node-name="${nodeName}"] [data-test-id="canvas-handle-plus"]`);
}

/** The parameter field `name` in the open node panel (the last one: inside a list, the newest entry). */
export function parameter(page: UiPage, name: string): UiLocator {
	return page.locator(`[data-test-id="ndv"] [data-test-id="parameter-input-${name}"] >> visible=true`).last();
}

/**
 * Enters `value` in a text parameter as a person would: click, select what is there, type over it. A value
 * with `{{ … }}` turns the field into an expression, as n8n does when `{{` is typed; the value is inserted
 * as one piece of text (no key-by-key bracket auto-closing).
 *
 * Why "type over the selection" and never "select, Delete, type": n8n 2.41's text field hands its value
 * to the workflow through a 200 ms debounce with a leading edge (`useDebounce` → lodash `debounce(…,
 * 200, { leading: true })`, no flush on blur). Delete was a first input event, committed at once as an
 * empty value; the typed text was then a second one inside the 200 ms and reached the workflow only on
 * the trailing edge. An *Execute step* clicked in between ran with the field empty, which the node reads
 * as its default — the window's To as 17:00 instead of the 24:00 typed (the flake of 2026-12-02). Typed
 * over the selection the value is one input event, committed in that event's own handler, before any
 * later click is handled.
 */
export async function typeIntoParameter(page: UiPage, name: string, value: string): Promise<void> {
	const field = parameter(page, name);
	await field.waitFor({ timeout: UI_TIMEOUT_MS });
	await field.click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.insertText(value);
	// leave the field (its expression preview would cover the fields below it)
	await clickVisible(page, '[data-test-id="tab-params"]');
}
/** Opens the dropdown of parameter `name` and picks the option whose text is `option`. */
export async function chooseOption(page: UiPage, name: string, option: string): Promise<void> {
	await parameter(page, name).click({ timeout: UI_TIMEOUT_MS });
	await clickVisible(page, `.el-select-dropdown__item:has-text("${option}"), [role="option"]:has-text("${option}")`);
}

/** The output panel's text once an execution of the open node finished (its items, or its error). */
export async function outputText(page: UiPage): Promise<string> {
	const panel = visible(page, '[data-test-id="output-panel"]');
	await panel.waitFor({ timeout: UI_TIMEOUT_MS });
	return panel.innerText();
}

/** Closes the open node panel with its close button (×). */
export async function closeNodePanel(page: UiPage): Promise<void> {
	await clickVisible(page, '[data-test-id="ndv-close-button"]');
	await page.locator('[data-test-id="ndv"] >> visible=true').first().waitFor({ state: 'hidden', timeout: UI_TIMEOUT_MS });
}

/** Picks an action (or a sub-entry) of the node chosen in the node panel, by its visible text. */
export async function pickAction(page: UiPage, text: string): Promise<void> {
	await clickVisible(page, `text="${text}"`);
}

/** Adds the option `option` of the collection whose add button reads `placeholder` ("Change Window"). */
export async function addCollectionOption(page: UiPage, placeholder: string, option: string): Promise<void> {
	// n8n renders the button as a select whose placeholder is the text
	await clickVisible(page, `[data-test-id="ndv"] [placeholder="${placeholder}"], [data-test-id="ndv"] .el-select:has-text("${placeholder}")`);
	await clickVisible(page, `.el-select-dropdown__item:has-text("${option}"), [role="option"]:has-text("${option}")`);
}

/** Adds `names` to the multi-select parameter `name` (a dropdown that stays open while picking). */
export async function addToMultiOptions(page: UiPage, name: string, names: string[]): Promise<void> {
	await parameter(page, name).click({ timeout: UI_TIMEOUT_MS });
	for (const option of names) await clickVisible(page, `.el-select-dropdown__item:has-text("${option}"), [role="option"]:has-text("${option}")`);
	await page.keyboard.press('Escape');
}

/**
 * Clicks a button that runs the open node — by default its *Execute step*; `button` selects another, such
 * as the output panel's *Test this trigger* — and waits until the output panel shows `expect` in a text
 * that differs from what it showed before and has not changed for a second (the table renders row by
 * row). Returns that text, the button's label and the seconds from the click to that text.
 */
export async function executeAndRead(
	page: UiPage,
	expect: RegExp,
	options: { button?: string; timeoutMs?: number } = {},
): Promise<{ text: string; label: string; seconds: number }> {
	const timeoutMs = options.timeoutMs ?? 300_000;
	// the panel still shows the previous run's output (Preview's has an "error" column) until this run ends
	const before = await outputText(page).catch(() => '');
	const button = visible(page, options.button ?? '[data-test-id="node-execute-button"]');
	await button.waitFor({ timeout: UI_TIMEOUT_MS });
	const label = (await button.innerText()).trim();
	const started = Date.now();
	await button.click({ timeout: UI_TIMEOUT_MS });
	const deadline = started + timeoutMs;
	let last = '';
	for (;;) {
		const text = await outputText(page).catch(() => '');
		if (text !== before && expect.test(text) && text === last) return { text, label, seconds: Math.round((Date.now() - started) / 100) / 10 };
		last = text;
		if (Date.now() > deadline) throw new Error(`the output panel never showed ${String(expect)}; it shows: ${text.slice(0, 500)}`);
		await page.waitForTimeout(1_000);
	}
}

/**
 * The first item of the output panel's *Table* view as column → cell text, read from the panel's text:
 * after the "N item(s)" line come the column headers, one a line (each followed by a line holding only
 * a tab), then the first row's cells, separated by tabs (a list cell spans lines: "0:…").
 */
export function firstTableRow(panelText: string): Record<string, string> {
	const lines = panelText.split('\n');
	const count = lines.findIndex((line) => /^\d+ items?$/.test(line.trim()));
	if (count < 0) return {};
	const rest = lines.slice(count + 1);
	const firstCell = rest.findIndex((line) => line.includes('\t') && line.trim() !== '');
	if (firstCell < 0) return {};
	const headers = rest.slice(0, firstCell).map((h) => h.trim()).filter((h) => h !== '');
	const cells = rest.slice(firstCell).join('\n').split('\t');
	return Object.fromEntries(headers.map((h, i) => [h, (cells[i] ?? '').trim()]));
}

/** The texts of the notices in the open node panel (n8n shows a `notice` parameter as an alert box). */
export async function noticeTexts(page: UiPage): Promise<string[]> {
	const notices = page.locator('[data-test-id="ndv"] [role="alert"] >> visible=true');
	await notices.first().waitFor({ timeout: UI_TIMEOUT_MS });
	return (await notices.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** The options chosen in the multi-select parameter `name`, as its chips (tags) show them. */
export async function chosenOptions(page: UiPage, name: string): Promise<string[]> {
	const field = parameter(page, name);
	await field.waitFor({ timeout: UI_TIMEOUT_MS });
	return (await field.locator('.el-select__tags-text').allInnerTexts()).map((t) => t.trim()).filter((t) => t !== '');
}

/** The subtitle under the canvas node named `nodeName` (the text besides its name). */
export async function canvasNodeSubtitle(page: UiPage, nodeName: string): Promise<string> {
	const node = visible(page, `[data-test-id="canvas-node"][data-node-name="${nodeName}"]`);
	await node.waitFor({ timeout: UI_TIMEOUT_MS });
	const label = page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"] [data-test-id="canvas-node-subtitle"], [data-test-id="canvas-node"][data-node-name="${nodeName}"] [class*="subtitle"] >> visible=true`).first();
	await label.waitFor({ timeout: UI_TIMEOUT_MS });
	return (await label.innerText()).trim();
}

/**
 * What the node panel offers once a node was chosen: its actions (for a trigger, the "On …" events n8n
 * generates from an "Event(s)" parameter), or, for a community node without actions, n8n 2.41's node
 * details with an *Add to workflow* button. Waits until one of the two shows.
 */
export async function nodePanelOffer(page: UiPage): Promise<{ actions: string[]; addToWorkflow: boolean }> {
	const items = page.locator('[data-test-id="node-creator-action-item"] >> visible=true');
	const add = page.locator('[data-test-id="node-creator"] button:has-text("Add to workflow"), button:has-text("Add to workflow") >> visible=true');
	const deadline = Date.now() + UI_TIMEOUT_MS;
	for (;;) {
		const actions = (await items.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
		const addToWorkflow = (await add.count()) > 0;
		if (actions.length > 0 || addToWorkflow) return { actions, addToWorkflow };
		if (Date.now() > deadline) throw new Error('the node panel showed neither actions nor "Add to workflow"');
		await page.waitForTimeout(250);
	}
}
