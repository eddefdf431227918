/**
 * Regression (issue 9): prospect data went into the HTML body unescaped, so a name or company field from a
 * web form could add a tracking image or a fake "Verify now" link to an email sent from the user's own
 * mailbox. Values are escaped in the HTML body by default; the expressions listed in "HTML Fields Not
 * Escaped" go in as they are.
 */
import { escapeHtml, expressionKey, renderStep, type EvaluateExpression } from '../../../core/sequence/render';
import { spintaxSeed } from '../../../core/sequence/spintax';

const evaluatorFor = (item: Record<string, unknown>): EvaluateExpression => (expression) => {
	const match = /^\{\{\s*\$json\.(\w+)\s*\}\}$/.exec(expression);
	if (!match) throw new Error(`unsupported expression ${expression}`);
	return item[match[1]];
};

const hostile = {
	firstName: '<img src="https://tracker.test/p.gif">',
	company: '"><a href="https://evil.test/verify">Verify now</a>',
	signatureHtml: '<p>— <b>Jane</b>, <a href="https://acme.test">Acme</a></p>',
};
const template = {
	subject: 'Hi {{ $json.firstName }}',
	text: 'Hi {{ $json.firstName }} at {{ $json.company }}',
	html: '<p title="{{ $json.company }}">{Hi|Hello} {{ $json.firstName }}</p>{{ $json.signatureHtml }}',
};
const options = { step: 1, seed: spintaxSeed('html', 'p@acme.test', 1) };

describe('regression: prospect data went into the HTML body unescaped', () => {
	it('escapes every value in the HTML body, so it shows as text and adds no markup', () => {
		const rendered = renderStep(template, evaluatorFor(hostile), options);
		expect(rendered.html).toMatch(/^<p title="&quot;&gt;&lt;a href=&quot;https:\/\/evil\.test\/verify&quot;&gt;Verify now&lt;\/a&gt;">(Hi|Hello) &lt;img src=&quot;https:\/\/tracker\.test\/p\.gif&quot;&gt;<\/p>&lt;p&gt;/);
		expect(rendered.html).not.toMatch(/<img|<a /);
	});

	it('leaves the subject and the plain-text body as they are (they are not HTML)', () => {
		const rendered = renderStep(template, evaluatorFor(hostile), options);
		expect(rendered.subject).toBe(`Hi ${hostile.firstName}`);
		expect(rendered.text).toBe(`Hi ${hostile.firstName} at ${hostile.company}`);
	});

	it('inserts the expressions listed as HTML as they are, and still escapes the others', () => {
		const rendered = renderStep(template, evaluatorFor(hostile), { ...options, rawHtml: new Set([expressionKey('{{  $json.signatureHtml }}')]) });
		expect(rendered.html?.endsWith(hostile.signatureHtml)).toBe(true);
		expect(rendered.html).toContain('&lt;img src=');
	});

	it('escapes the five characters that matter in text and attributes', () => {
		expect(escapeHtml(`<a href='x' title="y">&</a>`)).toBe('&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;&lt;/a&gt;');
	});
});
