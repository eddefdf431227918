import { withFooter } from '../../../core/sequence/footer';

const step = { subject: 'Hi', text: 'Body', html: '<p>Body</p>' };
const link = 'https://n8n.acme.test/webhook/unsubscribe?t=abc_-1&x=<y>';

describe('withFooter', () => {
	it('leaves the step as it is without footer or link', () => {
		expect(withFooter(step, undefined)).toEqual(step);
	});

	it('appends the footer as its own paragraph, escaped in HTML', () => {
		expect(withFooter(step, 'Not <b>interested</b>?')).toEqual({ subject: 'Hi', text: 'Body\n\nNot <b>interested</b>?', html: '<p>Body</p><p>Not &lt;b&gt;interested&lt;/b&gt;?</p>' });
	});

	it('puts the signed link on its own line after the footer, as an escaped link in HTML', () => {
		const out = withFooter(step, 'Not interested?', link);
		expect(out.text).toBe(`Body\n\nNot interested?\n${link}`);
		expect(out.html).toBe(
			'<p>Body</p><p>Not interested?<br><a href="https://n8n.acme.test/webhook/unsubscribe?t=abc_-1&amp;x=&lt;y&gt;">https://n8n.acme.test/webhook/unsubscribe?t=abc_-1&amp;x=&lt;y&gt;</a></p>',
		);
	});

	it('introduces a link without a footer with "Unsubscribe:"', () => {
		expect(withFooter({ subject: 'Hi', text: 'Body' }, undefined, link).text).toBe(`Body\n\nUnsubscribe:\n${link}`);
	});
});
