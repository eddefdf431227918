/**
 * The optional footer (an unsubscribe sentence) appended to every rendered step: as its own paragraph in
 * the text body and, escaped, in the HTML body.
 */
import type { RenderedStep } from './render';

function escapeHtml(text: string): string {
	return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}

/** The step with `footer` appended; unchanged without one. */
export function withFooter(rendered: RenderedStep, footer: string | undefined): RenderedStep {
	if (!footer) return rendered;
	return {
		...rendered,
		text: `${rendered.text}\n\n${footer}`,
		...(rendered.html !== undefined ? { html: `${rendered.html}<p>${escapeHtml(footer)}</p>` } : {}),
	};
}
