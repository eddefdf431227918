/**
 * ReplyTriggerEngine against the real Dovecot + Postfix: what it emits, what it does not, and the fields.
 * Users u21–u23 belong to this file.
 */
import { resolveTriggerOptions } from '../../../core/trigger/trigger-options';
import { ReplyTriggerEngine, type ReplyTriggerEngineConfig } from '../../../transport/reply-trigger-engine';
import { addressOf, settingsFor } from '../../helpers/mailstack';
import { appendTo, Collector, deliver, MemoryStore, ourId, replyRaw, settle, uniqueTag } from './trigger-fixtures';

// jest's testTimeout is a global option; the projects' 60 s in jest.config.js does not apply per project
jest.setTimeout(60_000);

const watchers: ReplyTriggerEngine[] = [];
afterEach(async () => {
	await Promise.all(watchers.splice(0).map((w) => w.stop()));
});

function watcherFor(user: string, collector: Collector, overrides: Partial<ReplyTriggerEngineConfig> = {}): ReplyTriggerEngine {
	const watcher = new ReplyTriggerEngine({
		settings: settingsFor(user),
		folders: ['INBOX'],
		options: resolveTriggerOptions(),
		store: new MemoryStore(),
		emit: collector.emit,
		onFatal: (error) => {
			throw error;
		},
		...overrides,
	});
	watchers.push(watcher);
	return watcher;
}

describe('ReplyTriggerEngine on the real mail stack', () => {
	it('emits a reply to a sequence email with the sequence, step, prospect and reply text, and nothing that was there before', async () => {
		const user = 'u21';
		const me = addressOf(user);
		const tag = uniqueTag();
		const key = `seq-${tag}`;
		const prospect = 'prospect1@example.test';
		const step1 = ourId(key, prospect, 1);
		// already in the mailbox before activation: must never be emitted
		await appendTo(user, 'INBOX', replyRaw({ from: prospect, to: me, subject: `Re: old ${tag}`, inReplyTo: step1, references: [step1] }));

		const collector = new Collector();
		await watcherFor(user, collector).start();
		const step2 = ourId(key, prospect, 2);
		await deliver(
			replyRaw({ from: `Pat Prospect <${prospect}>`, to: me, subject: `Re: new ${tag}`, inReplyTo: step2, references: [step1, step2], body: 'Yes, let us talk.\r\n\r\nOn Mon, Me wrote:\r\n> Hi Pat' }),
			{ from: prospect, to: me },
		);
		await collector.waitFor(() => collector.tagged(tag).length >= 1);
		await settle(300);
		const items = collector.tagged(tag);
		expect(items.map((i) => i.json.subject)).toEqual([`Re: new ${tag}`]);
		const json = items[0].json;
		expect(json).toMatchObject({
			class: 'reply',
			prospectEmail: prospect,
			step: 2,
			folder: 'INBOX',
			from: prospect,
			inReplyTo: step2,
			sequenceKey: null,
			fromColleague: null,
		});
		expect(json.sequenceHash).toMatch(/^[0-9a-f]{12}$/);
		expect(json.prospectHash).toMatch(/^[0-9a-f]{16}$/);
		expect(String(json.replyText)).toContain('Yes, let us talk.');
		expect(String(json.replyText)).not.toContain('Hi Pat');
		expect(typeof json.uid).toBe('number');
	});

	it('ignores mail that answers no sequence email and our own outgoing copies, unless scope is "all"', async () => {
		const user = 'u21';
		const me = addressOf(user);
		const tag = uniqueTag();
		const key = `seq-${tag}`;
		const sequenceOnly = new Collector();
		const everything = new Collector();
		await watcherFor(user, sequenceOnly).start();
		await watcherFor(user, everything, { options: resolveTriggerOptions({ scope: 'all' }) }).start();

		await deliver(replyRaw({ from: 'newsletter@example.test', to: me, subject: `Weekly news ${tag}` }), { from: 'newsletter@example.test', to: me });
		// a Bcc-to-self copy of step 2: its own Message-ID is ours, its In-Reply-To points at step 1
		const own = replyRaw({
			from: me,
			to: 'prospect2@example.test',
			subject: `Re: own copy ${tag}`,
			messageId: ourId(key, 'prospect2@example.test', 2),
			inReplyTo: ourId(key, 'prospect2@example.test', 1),
		});
		await deliver(own, { from: me, to: me });
		const marker = ourId(key, 'prospect3@example.test', 1);
		await deliver(replyRaw({ from: 'prospect3@example.test', to: me, subject: `Re: marker ${tag}`, inReplyTo: marker }), { from: 'prospect3@example.test', to: me });

		await sequenceOnly.waitFor(() => sequenceOnly.tagged(`marker ${tag}`).length === 1);
		await everything.waitFor(() => everything.tagged(tag).length === 2);
		await settle(300);
		expect(sequenceOnly.tagged(tag).map((i) => i.json.subject)).toEqual([`Re: marker ${tag}`]);
		const all = everything.tagged(tag);
		expect(all.map((i) => i.json.subject).sort()).toEqual([`Re: marker ${tag}`, `Weekly news ${tag}`].sort());
		const news = all.find((i) => String(i.json.subject).startsWith('Weekly'));
		expect(news?.json).toMatchObject({ sequenceHash: null, step: null, prospectEmail: 'newsletter@example.test' });
	});

	it('emits a bounce with the failed recipient as prospect and the step of the returned original', async () => {
		const user = 'u22';
		const me = addressOf(user);
		const tag = uniqueTag();
		const key = `seq-${tag}`;
		const missing = `nobody-${tag}@example.test`;
		const collector = new Collector();
		await watcherFor(user, collector).start();
		// our step-1 email to an address that does not exist: Postfix returns a DSN to the envelope sender
		await deliver(
			replyRaw({ from: me, to: missing, subject: `Intro ${tag}`, messageId: ourId(key, missing, 1), body: 'Hello there' }),
			{ from: me, to: missing },
		);
		await collector.waitFor(() => collector.items.some((i) => i.json.class === 'bounce' && i.json.prospectEmail === missing), 30_000);
		const bounce = collector.items.find((i) => i.json.prospectEmail === missing);
		expect(bounce?.json).toMatchObject({ class: 'bounce', step: 1, prospectEmail: missing });
		expect(bounce?.json.bounce).toMatchObject({ hard: true, recipient: missing });
		expect(String((bounce?.json.bounce as { status: string }).status)).toMatch(/^5\./);
	});

	it('with the sequence key: names the sequence, verifies the prospect, and flags a colleague replying in the thread', async () => {
		const user = 'u23';
		const me = addressOf(user);
		const tag = uniqueTag();
		const key = `seq-${tag}`;
		const prospect = 'prospect1@example.test';
		const colleague = 'colleague@example.test';
		const step1 = ourId(key, prospect, 1);
		const collector = new Collector();
		await watcherFor(user, collector, { options: resolveTriggerOptions({ sequenceKeys: `other-key, ${key}` }) }).start();
		await deliver(replyRaw({ from: prospect, to: me, subject: `Re: p ${tag}`, inReplyTo: step1 }), { from: prospect, to: me });
		await deliver(replyRaw({ from: colleague, to: me, cc: `Pat <${prospect}>`, subject: `Re: c ${tag}`, inReplyTo: step1 }), { from: colleague, to: me });
		await collector.waitFor(() => collector.tagged(tag).length === 2);
		const byProspect = collector.tagged(`p ${tag}`)[0].json;
		const byColleague = collector.tagged(`c ${tag}`)[0].json;
		expect(byProspect).toMatchObject({ sequenceKey: key, prospectEmail: prospect, prospectVerified: true, fromColleague: false, step: 1 });
		expect(byColleague).toMatchObject({ sequenceKey: key, prospectEmail: prospect, prospectVerified: true, fromColleague: true, from: colleague });
	});
});
