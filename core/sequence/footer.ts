/**
 * The optional footer (an unsubscribe sentence) appended to every rendered step: as its own paragraph in
 * the text body and, escaped, in the HTML body.
 */
import { escapeHtml, type RenderedStep } from './render';

/** The step with `footer` appended; unchanged without one. */
export function withFooter(rendered: RenderedStep, footer: string | undefined): RenderedStep {
	if (!footer) return rendered;
	return {
		...rendered,
		text: `${rendered.text}\n\n${footer}`,
		...(rendered.html !== undefined ? { html: `${rendered.html}<p>${escapeHtml(footer).replace(/\n/g, '<br>')}</p>` } : {}),
	};
}
