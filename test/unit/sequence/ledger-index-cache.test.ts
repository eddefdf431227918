import { IndexCache } from '../../../transport/index-cache';

class Counter {
	n = 0;
	size(): number {
		return this.n;
	}
}

describe('the ledger index cache', () => {
	it('keeps an index between uses and runs work on it one at a time', async () => {
		const cache = new IndexCache(4, 100);
		const order: string[] = [];
		let release: () => void = () => undefined;
		const first = cache.use('a', () => new Counter(), async (c) => {
			order.push('first starts');
			await new Promise<void>((r) => (release = r));
			c.n++;
			order.push('first ends');
		});
		const second = cache.use('a', () => new Counter(), async (c) => {
			order.push(`second sees ${c.n}`);
		});
		await new Promise((r) => setImmediate(r));
		release();
		await Promise.all([first, second]);
		expect(order).toEqual(['first starts', 'first ends', 'second sees 1']);
	});

	it('drops the least recently used index beyond its capacity, and any index past its size cap', async () => {
		const cache = new IndexCache(2, 10);
		for (const key of ['a', 'b', 'c']) await cache.use(key, () => new Counter(), async (c) => void (c.n = 1));
		expect(await cache.use('a', () => new Counter(), async (c) => c.n)).toBe(0);
		await cache.use('big', () => new Counter(), async (c) => void (c.n = 11));
		expect(await cache.use('big', () => new Counter(), async (c) => c.n)).toBe(0);
	});

	it('does not trust an index whose update failed', async () => {
		const cache = new IndexCache(4, 100);
		await expect(cache.use('a', () => new Counter(), async (c) => {
			c.n = 5;
			throw new Error('connection lost');
		})).rejects.toThrow('connection lost');
		expect(await cache.use('a', () => new Counter(), async (c) => c.n)).toBe(0);
	});
});
