/**
 * Regression (issue 9), through the SMTP Sequence node in n8n-core's engine: prospect data went into the
 * HTML body unescaped. Preview shows the HTML that would be sent; Message Options → HTML Fields Not
 * Escaped lets a trusted HTML field through. User u143 belongs to this file (Preview sends nothing).
 */
import { SmtpSequence } from '../../nodes/SmtpSequence/SmtpSequence.node';
import { runWorkflow } from '../harness/engine';
import { MANUAL_TRIGGER, ManualTrigger } from '../harness/manual-trigger';
import { SEQUENCE_TYPE, sequenceWorkflow } from '../harness/sequence-workflow';
import { credentialFor } from '../helpers/mailstack';

const nodeClasses = { [MANUAL_TRIGGER]: ManualTrigger, [SEQUENCE_TYPE]: SmtpSequence };
const steps = {
	step: [{ subject: '=Hi {{ $json.firstName }}', text: '=Hi {{ $json.firstName }}', html: '=<p>Hi {{ $json.firstName }}</p>{{ $json.signatureHtml }}', waitAmount: 0, waitUnit: 'days' }],
};
const prospect = {
	email: 'lead@acme.test',
	firstName: 'Bob<img src="https://tracker.test/p.gif"><a href="https://evil.test">Verify now</a>',
	signatureHtml: '<p><b>Jane</b> — Acme</p>',
};

function preview(messageOptions: Record<string, string>) {
	return runWorkflow({
		workflow: sequenceWorkflow({ operation: 'preview', sequenceKey: 'html-escaping', email: '={{ $json.email }}', steps, messageOptions }),
		nodeClasses,
		credentials: { outreachMailboxApi: credentialFor('u143') },
		input: [{ json: prospect }],
	});
}

describe('regression: prospect data went into the HTML body unescaped', () => {
	it('escapes prospect values in the HTML body by default', async () => {
		const result = await preview({});
		expect(result.error).toBeUndefined();
		const html = String(result.output('SMTP Sequence')[0].json.html);
		expect(html).toBe(
			'<p>Hi Bob&lt;img src=&quot;https://tracker.test/p.gif&quot;&gt;&lt;a href=&quot;https://evil.test&quot;&gt;Verify now&lt;/a&gt;</p>&lt;p&gt;&lt;b&gt;Jane&lt;/b&gt; — Acme&lt;/p&gt;',
		);
	});

	it('lets the expressions listed in "HTML Fields Not Escaped" through, and only those', async () => {
		for (const listed of ['={{ $json.signatureHtml }}', 'signatureHtml']) {
			const result = await preview({ rawHtmlFields: listed });
			const html = String(result.output('SMTP Sequence')[0].json.html);
			expect(html.endsWith('<p><b>Jane</b> — Acme</p>')).toBe(true);
			expect(html).toContain('Bob&lt;img src=');
		}
	});
});
