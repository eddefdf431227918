/**
 * Regression tests for issue #9, one per finding: hostile messages go through the entry point the trigger
 * and the ledger use (`InboundReader.read`, on its worker thread) and come back classified.
 *
 * The backtracking findings run with a generous budget (`GENEROUS_BUDGET_MS`) at sizes where the old
 * patterns took minutes to hours: the old code runs out of the budget and answers `fallback:time-budget`,
 * so these tests fail on it without timing the new code (its speed is bounded by `npm run fuzz:inbound`).
 */
import { join } from 'node:path';
import { readInbound } from '../../../core/classify/inbound';
import { parseSequenceMessageId } from '../../../core/mail/message-id';
import { CLASSIFY_BUDGET_MS, configuredBudgetMs, InboundReader, type InboundReaderOptions } from '../../../transport/inbound-reader';
import { HOSTILE_KINDS, OUR_ID, Random, UNRULY_BUDGET_MS } from '../../helpers/hostile-mail';

/** Far above what linear code needs for these messages, far below what the old patterns took. */
const GENEROUS_BUDGET_MS = 20_000;

const OUR_REF = parseSequenceMessageId(OUR_ID);

function hostile(name: string, bytes: number): Buffer {
	const kind = HOSTILE_KINDS.find((k) => k.name === name);
	if (!kind) throw new Error(`no hostile kind ${name}`);
	const made = kind.make(bytes, new Random(1));
	return typeof made === 'string' ? Buffer.from(made, 'latin1') : made;
}

describe('hostile mail through the budgeted entry point (issue #9)', () => {
	const reader = new InboundReader({ budgetMs: GENEROUS_BUDGET_MS });
	afterAll(() => reader.close());

	it('an HTML-only reply of 48 KiB of repeated "<div class=" is read as a reply (was cubic: 24 KiB took 42 s)', async () => {
		const reading = await reader.read(hostile('html-div-class', 48 * 1024));
		expect(reading.classification).toMatchObject({ class: 'reply', reason: 'default:human' });
		expect(reading.refs.refs).toEqual([OUR_REF]);
	});

	it('a bounce whose body is "to" and 16 KiB of " \\n" lines is read as a bounce (was 6.6 s at 3 KiB)', async () => {
		const reading = await reader.read(hostile('bounce-to-space-lines', 16 * 1024));
		expect(reading.classification).toMatchObject({ class: 'bounce', reason: 'bounce:sender' });
	});

	it('a reply of 320 KiB of " \\n" lines is read as a reply (was 10 s at 80 KiB)', async () => {
		const reading = await reader.read(hostile('reply-space-lines', 320 * 1024));
		expect(reading.classification).toMatchObject({ class: 'reply', reason: 'default:human' });
	});

	it('a reply of one 216 KiB line of spaces is read as a reply, its text cut at 64 KiB and trimmed (was 5 s at 54 KiB)', async () => {
		const reading = await reader.read(hostile('reply-long-spaces', 216 * 1024));
		expect(reading.classification).toEqual({ class: 'reply', reason: 'default:human', confidence: 0.8, signals: [], replyText: 'a' });
	});

	it('a bounce of 320 KiB of letters without "@" is read as a bounce (was 9 s at 80 KiB)', async () => {
		const reading = await reader.read(hostile('bounce-letters', 320 * 1024));
		expect(reading.classification).toMatchObject({ class: 'bounce', reason: 'bounce:sender' });
	});

	it('a bounce listing 4,000 addresses gives its first 100 recipients (was 8.6 s for 1,000: a RegExp per pair)', async () => {
		const reading = await reader.read(hostile('bounce-many-addresses', 4000 * 32));
		expect(reading.classification.class).toBe('bounce');
		if (reading.classification.class !== 'bounce') return;
		expect(reading.classification.recipients).toHaveLength(100);
		expect(reading.classification.recipients[0].address).toBe('user0@host0.example0.com');
	});

	it('an SES-looking body followed by 540 KiB of "}" is read once, not parsed at every brace (was 2.6 s at 134 KiB)', async () => {
		const reading = await reader.read(hostile('ses-braces', 540 * 1024));
		expect(reading.classification).toMatchObject({ class: 'bounce', reason: 'bounce:sender' });
	});

	it('a DSN with 320 KiB of blank lines before its two recipients reads both (was 2.3 s at 81 KiB)', async () => {
		const reading = await reader.read(hostile('dsn-blank-lines', 320 * 1024));
		expect(reading.classification).toMatchObject({
			class: 'bounce',
			reason: 'dsn:multipart-report',
			recipients: [{ address: 'a@example.org' }, { address: 'b@example.org' }],
		});
		expect(reading.refs.refs).toEqual([OUR_REF]);
	});
});

describe('messages mailparser refuses are still read (issue #9, Medium)', () => {
	it('a reply with 1,200 MIME parts is classified, with its sender and our Message-ID', async () => {
		const raw = hostile('many-parts', 1200 * 34);
		const reading = await readInbound(raw);
		expect(reading.classification).toMatchObject({ class: 'reply', reason: 'default:human' });
		expect(reading.facts.from?.address).toBe('prospect@example.com');
		expect(reading.refs.refs).toEqual([OUR_REF]);
	});

	it('a reply with a 300 KiB References header folded over 23,000 lines is classified, with its sender and our Message-ID', async () => {
		const raw = hostile('huge-references', 300 * 1024);
		const reading = await readInbound(raw);
		expect(reading.classification).toMatchObject({ class: 'reply', reason: 'default:human', replyText: 'Yes, interested.' });
		expect(reading.facts.from?.address).toBe('prospect@example.com');
		expect(reading.refs.refs).toEqual([OUR_REF]);
	});
});

describe('the time budget really preempts (issue #9, High)', () => {
	/** A worker that serves reads like the real one but never finishes a message containing "SPIN", and ends on "EXIT". */
	const workerEntry = join(__dirname, '../../helpers/unruly-classify-worker.ts');
	const reader = new InboundReader({ budgetMs: UNRULY_BUDGET_MS, workerEntry });
	afterAll(() => reader.close());

	const prospectReply = (marker: string): Buffer =>
		Buffer.from(
			`From: "Jana" <Jana@Prospect.example>\r\nTo: seller@seller.example\r\nSubject: Re: hi\r\nIn-Reply-To: ${OUR_ID}\r\nMessage-ID: <r1@prospect.example>\r\n\r\n${marker} yes, call me\r\n`,
		);

	it('a message stuck in a busy loop is answered from its raw header as the prospect\'s reply, without blocking the event loop', async () => {
		let ticks = 0;
		const ticker = setInterval(() => ticks++, 10);
		const reading = await reader.read(prospectReply('SPIN'));
		clearInterval(ticker);
		expect(ticks).toBeGreaterThan(0);
		expect(reading.classification).toEqual({ class: 'reply', reason: 'fallback:time-budget', confidence: 0.5, signals: ['fallback:time-budget'], replyText: '' });
		expect(reading.facts).toMatchObject({ from: { address: 'jana@prospect.example', name: 'Jana' }, messageId: '<r1@prospect.example>', subject: 'Re: hi' });
		expect(reading.refs.refs).toEqual([OUR_REF]);
	});

	it('the next message gets a new worker and is read normally', async () => {
		const reading = await reader.read(prospectReply('Plain'));
		expect(reading.classification).toMatchObject({ class: 'reply', reason: 'default:human' });
	});

	it('a worker that dies on a message answers it from its header, and the next one is read', async () => {
		const [died, next] = await Promise.all([reader.read(prospectReply('EXIT')), reader.read(prospectReply('After'))]);
		expect(died.classification).toEqual({ class: 'reply', reason: 'fallback:unreadable', confidence: 0.5, signals: ['fallback:unreadable'], replyText: '' });
		expect(died.facts.from?.address).toBe('jana@prospect.example');
		expect(next.classification).toMatchObject({ class: 'reply', reason: 'default:human' });
	});
});

/**
 * Replaces `Worker` in the module the reader constructs its workers from (jest hands out the real core
 * module) with one that records, for each worker started, how many others were still running and which
 * messages it answered. `restore` puts the real one back.
 */
interface WorkerWatch {
	/** For each worker started: how many others were still running at that moment. */
	othersAtStart: number[];
	/** Message id → index of the worker that answered it. */
	answeredBy: Map<number, number>;
	restore(): void;
}

function watchWorkers(): WorkerWatch {
	const threads = jest.requireActual<typeof import('node:worker_threads')>('node:worker_threads');
	const RealWorker = threads.Worker;
	const alive = new Set<object>();
	const othersAtStart: number[] = [];
	const answeredBy = new Map<number, number>();
	threads.Worker = new Proxy(RealWorker, {
		construct(target, args: ConstructorParameters<typeof RealWorker>) {
			const worker = Reflect.construct(target, args) as InstanceType<typeof RealWorker>;
			const index = othersAtStart.length;
			othersAtStart.push(alive.size);
			alive.add(worker);
			worker.once('exit', () => alive.delete(worker));
			worker.on('message', (reply: { id?: number }) => {
				if (reply.id !== undefined) answeredBy.set(reply.id, index);
			});
			return worker;
		},
	});
	return { othersAtStart, answeredBy, restore: () => (threads.Worker = RealWorker) };
}

/** Runs `body` with a reader (warmed) whose workers are watched, then closes the reader and restores `Worker`. */
async function withWatchedReader(options: InboundReaderOptions, body: (reader: InboundReader, watch: WorkerWatch) => Promise<void>): Promise<void> {
	const watch = watchWorkers();
	const reader = new InboundReader(options);
	try {
		reader.warm();
		await body(reader, watch);
	} finally {
		watch.restore();
		await reader.close();
	}
}

describe('a standby worker only while mail runs long (issue #10: catch-up within idle RSS + 50 MB; fuzz:inbound max_ms after a cut-off)', () => {
	const workerEntry = join(__dirname, '../../helpers/unruly-classify-worker.ts');
	const reply = (marker: string): Buffer => Buffer.from(`From: jana@prospect.example\r\nSubject: Re: hi\r\nIn-Reply-To: ${OUR_ID}\r\n\r\n${marker} yes\r\n`);

	it('reads mail that finishes quickly on one worker thread: no standby', async () => {
		await withWatchedReader({ budgetMs: UNRULY_BUDGET_MS, workerEntry }, async (reader, watch) => {
			for (let i = 0; i < 20; i++) expect((await reader.read(reply(`Quick ${i}`))).classification.reason).toBe('default:human');
			// the reader before issue #10 started its standby the moment the first worker was ready
			expect(watch.othersAtStart).toEqual([0]);
			expect(reader.workersStarted).toBe(1);
		});
	}, 60_000);

	it('fuzz:inbound max_ms after a cut-off: the message behind a cut-off one is read by a standby started while that one ran, not by a worker started after it', async () => {
		// the standby starts 1 s into a message; the budget leaves it 9 s to load, even on a loaded machine
		await withWatchedReader({ budgetMs: UNRULY_BUDGET_MS, standbyAfterMs: 1_000, workerEntry }, async (reader, watch) => {
			expect((await reader.read(reply('First'))).classification.reason).toBe('default:human');
			const [cut, next] = await Promise.all([reader.read(reply('SPIN')), reader.read(reply('Next'))]);
			expect(cut.classification.reason).toBe('fallback:time-budget');
			expect(next.classification.reason).toBe('default:human');
			// worker 1 was started beside the stuck one (ids: First 1, SPIN 2, Next 3) and answered "Next"
			expect(watch.othersAtStart.slice(0, 2)).toEqual([0, 1]);
			expect(watch.answeredBy.get(1)).toBe(0);
			expect(watch.answeredBy.get(3)).toBe(1);
			// after a cut-off the next standby starts as soon as worker 1 is warm (hostile mail comes in runs)
			for (let i = 0; i < 400 && watch.othersAtStart.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 50));
			expect(watch.othersAtStart).toHaveLength(3);
			expect((await reader.read(reply('SPIN'))).classification.reason).toBe('fallback:time-budget');
			expect((await reader.read(reply('Last'))).classification.reason).toBe('default:human');
			expect(watch.answeredBy.get(5)).toBe(2);
		});
	}, 60_000);

	it('without a standby (a message cut off before one started), the replacement starts only once the cut-off worker has exited', async () => {
		await withWatchedReader({ budgetMs: 3_000, standbyAfterMs: UNRULY_BUDGET_MS, workerEntry }, async (reader, watch) => {
			const [cut, next] = await Promise.all([reader.read(reply('SPIN')), reader.read(reply('Next'))]);
			expect(cut.classification.reason).toBe('fallback:time-budget');
			expect(next.classification.reason).toBe('default:human');
			expect(watch.othersAtStart).toEqual([0, 0]);
		});
	}, 60_000);
});

describe('the budget of the shared reader', () => {
	it.each([
		[undefined, CLASSIFY_BUDGET_MS],
		['5000', 5000],
		['50', CLASSIFY_BUDGET_MS],
		['soon', CLASSIFY_BUDGET_MS],
	])('SMTP_SEQUENCE_CLASSIFY_BUDGET_MS=%s gives %d ms (never below the default)', (value, budget) => {
		expect(configuredBudgetMs(value === undefined ? {} : { SMTP_SEQUENCE_CLASSIFY_BUDGET_MS: value })).toBe(budget);
	});
});
