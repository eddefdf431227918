/**
 * The IMAP Reply Trigger node's delivery guarantee with n8n-core's real parts: `TriggerContext`, n8n's
 * emit emulated as its source does it (`test/harness/trigger-activation.ts`), and n8n-core's
 * `BinaryDataService` in filesystem mode (n8n's default) storing attachments — made to fail for real by
 * putting a file where its storage folder should be. User u115 belongs to this file.
 */
import 'reflect-metadata';
import { Container } from '@n8n/di';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BinaryDataService } from 'n8n-core';
import type { IDataObject, INode, INodeExecutionData, ITriggerResponse } from 'n8n-workflow';
import { ImapReplyTrigger } from '../../nodes/ImapReplyTrigger/ImapReplyTrigger.node';
import { activateTrigger } from '../harness/trigger-activation';
import { addressOf, credentialFor, resetMailboxes } from '../helpers/mailstack';
import { deliver, eventually, ourId, replyRaw, uniqueTag } from '../integration/trigger/trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(60_000);

const storage = path.join(mkdtempSync(path.join(os.tmpdir(), 'n8n-binary-')), 'binary');
// read by n8n-core's BinaryDataConfig when the service is first created (as n8n reads its environment)
process.env.N8N_DEFAULT_BINARY_DATA_MODE = 'filesystem';
process.env.N8N_BINARY_DATA_STORAGE_PATH = storage;
const binaryData = Container.get(BinaryDataService);

const open: ITriggerResponse[] = [];
beforeAll(async () => {
	await resetMailboxes('u115');
	await binaryData.init();
});
afterEach(async () => {
	await Promise.all(open.splice(0).map((r) => r.closeFunction?.()));
});
afterAll(() => rmSync(path.dirname(storage), { recursive: true, force: true }));

function triggerNode(sequenceKey: string): INode {
	return {
		id: 't1',
		name: 'IMAP Reply Trigger',
		type: 'n8n-nodes-smtp-sequence.imapReplyTrigger',
		typeVersion: 1,
		position: [0, 0],
		parameters: { options: { includeAttachments: true, sequenceKeys: sequenceKey } },
		credentials: { outreachMailboxApi: { id: '1', name: 'Mailbox' } },
	};
}

/** A reply to step 1 of `sequenceKey` carrying `brief.csv`. */
function replyWithAttachment(user: string, sequenceKey: string, subject: string): string {
	const prospect = 'prospect1@example.test';
	return [
		`From: ${prospect}`,
		`To: ${addressOf(user)}`,
		`Subject: ${subject}`,
		`Message-ID: <att.${uniqueTag()}@example.test>`,
		`In-Reply-To: ${ourId(sequenceKey, prospect, 1)}`,
		'MIME-Version: 1.0',
		'Content-Type: multipart/mixed; boundary="b1"',
		'',
		'--b1',
		'Content-Type: text/plain; charset=utf-8',
		'',
		'Our brief is attached.',
		'--b1',
		'Content-Type: text/csv; name="brief.csv"',
		'Content-Disposition: attachment; filename="brief.csv"',
		'',
		'a,b',
		'--b1--',
		'',
	].join('\r\n');
}

const cursorOf = (staticData: IDataObject) => ((staticData['node:IMAP Reply Trigger'] as IDataObject).folders as IDataObject).INBOX as IDataObject;
const subjects = (executions: INodeExecutionData[][], tag: string) => executions.flat().map((i) => String(i.json.subject)).filter((s) => s.includes(tag));

describe('scenario 10: a failed emit loses nothing (n8n-core)', () => {
	it('scenario 10: when n8n cannot store an attachment, the reply is not marked handled and is emitted, with the attachment, once storing works again', async () => {
		const user = 'u115';
		const tag = uniqueTag();
		const sequenceKey = `wf-${tag}`;
		const prospect = 'prospect1@example.test';
		const activation = await activateTrigger({
			nodeType: ImapReplyTrigger,
			node: triggerNode(sequenceKey),
			workflowId: `wf-${user}`,
			credentials: { outreachMailboxApi: credentialFor(user) },
		});
		open.push(activation.response);
		const cursorAtActivation = cursorOf(activation.saved()).lastUid;

		// the storage folder is gone and a file sits in its place: every write fails (ENOTDIR)
		rmSync(storage, { recursive: true, force: true });
		writeFileSync(storage, 'not a directory');
		const stores = jest.spyOn(binaryData, 'store');
		await deliver(replyWithAttachment(user, sequenceKey, `Re: with brief ${tag}`), { from: prospect, to: addressOf(user) });
		await eventually(async () => stores.mock.calls.length > 0);
		await expect(stores.mock.results[0].value).rejects.toThrow();
		// nothing marked handled, not even in memory: the next emit must not save a cursor past the reply
		expect(cursorOf(activation.live()).lastUid).toBe(cursorAtActivation);

		rmSync(storage, { force: true });
		mkdirSync(storage);
		const second = replyRaw({ from: prospect, to: addressOf(user), subject: `Re: later ${tag}`, inReplyTo: ourId(sequenceKey, prospect, 2) });
		await deliver(second, { from: prospect, to: addressOf(user) });
		await eventually(async () => subjects(activation.executions, tag).includes(`Re: later ${tag}`), 20_000);

		expect(subjects(activation.executions, tag).sort()).toEqual([`Re: later ${tag}`, `Re: with brief ${tag}`]);
		const withBrief = activation.executions.flat().find((i) => i.json.subject === `Re: with brief ${tag}`);
		expect(withBrief?.binary?.attachment_0).toMatchObject({ fileName: 'brief.csv', mimeType: 'text/csv' });
		expect(Number(cursorOf(activation.saved()).lastUid)).toBeGreaterThanOrEqual(Number(withBrief?.json.uid));
		expect(activation.errors).toEqual([]);
	});
});
