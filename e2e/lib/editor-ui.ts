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
 * Enters `value` in a text parameter as a person would: click, select what is there, type. A value
 * with `{{ … }}` turns the field into an expression, as n8n does when `{{` is typed; the rest is inserted
 * as one piece of text (no key-by-key bracket auto-closing).
 */
export async function typeIntoParameter(page: UiPage, name: string, value: string): Promise<void> {
	const field = parameter(page, name);
	await field.waitFor({ timeout: UI_TIMEOUT_MS });
	await field.click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.press('Delete');
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
