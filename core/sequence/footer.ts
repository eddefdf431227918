/**
 * The optional footer (an unsubscribe sentence, and the prospect's signed unsubscribe link) appended to
 * every rendered step: as its own paragraph in the text body and, escaped, in the HTML body.
 */
import { escapeHtml, type RenderedStep } from './render';

/** Shown before the link when the user wrote no footer of their own. */
export const DEFAULT_LINK_LINE = 'Unsubscribe:';

/** The step with `footer` (and `link`, on its own line) appended; unchanged without either. */
export function withFooter(rendered: RenderedStep, footer: string | undefined, link?: string): RenderedStep {
	if (!footer && !link) return rendered;
	const words = footer || DEFAULT_LINK_LINE;
	const text = link ? `${words}\n${link}` : words;
	const html = `${escapeHtml(words).replace(/\n/g, '<br>')}${link ? `<br><a href="${escapeHtml(link)}">${escapeHtml(link)}</a>` : ''}`;
	return {
		...rendered,
		text: `${rendered.text}\n\n${text}`,
		...(rendered.html !== undefined ? { html: `${rendered.html}<p>${html}</p>` } : {}),
	};
}
