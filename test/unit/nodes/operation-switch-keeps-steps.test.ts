/**
 * Regression (issue 14, found by the editor e2e): switching SMTP Sequence's Operation from Preview to Send
 * Due Steps emptied Steps and reset the Sending Window. n8n's editor drops the value of a collection or
 * fixed collection whenever a parameter named in its display rules changes (even if it stays visible), and
 * the Report / Record Unsubscribe work had given those collections a rule on `operation`. So: no
 * collection of either node may name, in its display rules, a parameter the user changes in the editor.
 */
import type { INodeProperties } from 'n8n-workflow';
import { ImapReplyTrigger } from '../../../nodes/ImapReplyTrigger/ImapReplyTrigger.node';
import { SmtpSequence } from '../../../nodes/SmtpSequence/SmtpSequence.node';

const collectionsWithRules = (properties: INodeProperties[]) =>
	properties
		.filter((p) => p.type === 'collection' || p.type === 'fixedCollection')
		.filter((p) => p.displayOptions !== undefined)
		.map((p) => `${p.name}: ${JSON.stringify(p.displayOptions)}`);

describe('operation switch wipes steps (regression)', () => {
	it('SMTP Sequence: Steps, Variants, Sending Window, Pacing, Stop Rules and Message Options carry no display rule', () => {
		expect(collectionsWithRules(new SmtpSequence().description.properties)).toEqual([]);
	});

	it('IMAP Reply Trigger: no collection carries a display rule', () => {
		expect(collectionsWithRules(new ImapReplyTrigger().description.properties)).toEqual([]);
	});

	it('the simple fields Report and Record Unsubscribe do not use are still hidden for them', () => {
		const properties = new SmtpSequence().description.properties;
		const email = properties.find((p) => p.name === 'email');
		expect(email?.displayOptions?.hide?.operation).toEqual(expect.arrayContaining(['report', 'recordUnsubscribe']));
	});
});
