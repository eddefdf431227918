/**
 * Record Unsubscribe: after a Webhook node that received a signed unsubscribe link (RFC 8058 one-click
 * POST, or the footer link's confirmation). Each item's token is checked with the secret; a valid one
 * files the unsubscribe record in the mailbox (`transport/unsubscribe-record.ts`), which the ledger and
 * the IMAP Reply Trigger read as the prospect's unsubscribe request. A missing, changed, forged or
 * expired token stops nobody and is answered as `rejected` with the reason (not an error: it comes from
 * the Internet, and the webhook should answer it, not fail).
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { asSequenceError, SequenceError } from '../../../core/errors';
import { parseAddress } from '../../../core/mail/address';
import { checkUnsubscribeSecret, verifyUnsubscribeToken } from '../../../core/mail/unsubscribe-token';
import { trustSelfSignedServers } from '../../../transport/server-certificate';
import { fileUnsubscribeRecord } from '../../../transport/unsubscribe-record';
import { mailboxSettingsOf } from '../../shared/mailbox-credential';
import { toNodeError } from '../../shared/to-node-error';

/** HTTP status a webhook can answer with: 200 when the prospect is (now) stopped, 400 for a bad link. */
const HTTP_OK = 200;
const HTTP_BAD_REQUEST = 400;

function rejected(refusal: string, message: string): IDataObject {
	return { status: 'rejected', refusal, email: null, sequenceKey: null, reason: message, httpStatus: HTTP_BAD_REQUEST };
}

/** Runs Record Unsubscribe for every input item. */
export async function recordUnsubscribeOperation(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const node = this.getNode();
	const continueOnFail = this.continueOnFail();
	const output: INodeExecutionData[] = [];
	let settings;
	try {
		const secret = this.getNodeParameter('unsubscribeSecret', 0, '');
		checkUnsubscribeSecret(typeof secret === 'string' ? secret : '', 'Unsubscribe Secret');
		settings = await trustSelfSignedServers(await mailboxSettingsOf(this, this.getNodeParameter('authentication', 0, 'password')), ['IMAP']);
	} catch (error) {
		throw toNodeError(node, error);
	}
	for (let i = 0; i < items.length; i++) {
		const now = new Date();
		const secret = String(this.getNodeParameter('unsubscribeSecret', i, ''));
		const check = verifyUnsubscribeToken(this.getNodeParameter('unsubscribeToken', i, ''), secret, now);
		if (!check.ok) {
			output.push({ json: rejected(check.refusal, check.message), pairedItem: { item: i } });
			continue;
		}
		let address: string;
		try {
			address = parseAddress(check.address, 'Unsubscribe token address').address;
		} catch {
			output.push({ json: rejected('malformed', 'The unsubscribe token carries no valid address.'), pairedItem: { item: i } });
			continue;
		}
		const oneClick = this.getNodeParameter('oneClick', i, false) === true;
		try {
			const outcome = await fileUnsubscribeRecord(settings, { sequenceKey: check.sequenceKey, prospect: address, date: now, via: oneClick ? 'one-click' : 'link' });
			output.push({
				json: {
					status: outcome === 'recorded' ? 'unsubscribed' : 'alreadyUnsubscribed',
					refusal: null,
					email: address,
					sequenceKey: check.sequenceKey,
					reason:
						outcome === 'recorded'
							? `${address} is unsubscribed from "${check.sequenceKey}": the note is filed in INBOX, the next run sends them nothing.`
							: `${address} was already unsubscribed from "${check.sequenceKey}".`,
					httpStatus: HTTP_OK,
				},
				pairedItem: { item: i },
			});
		} catch (error) {
			const failure: SequenceError = asSequenceError(error);
			if (!continueOnFail) throw toNodeError(node, failure, { itemIndex: i });
			output.push({
				json: { status: 'failed', refusal: null, email: address, sequenceKey: check.sequenceKey, reason: failure.message, error: failure.toJSON(), httpStatus: 503 },
				pairedItem: { item: i },
			});
		}
	}
	return [output];
}
