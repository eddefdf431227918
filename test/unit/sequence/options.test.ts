import { DEFAULT_OPTIONS, resolveOptions } from '../../../core/sequence/options';

describe('resolveOptions', () => {
	it('fills every default, with the instance zone for the window', () => {
		expect(resolveOptions({}, 'Europe/Berlin')).toEqual({
			pacingMinSeconds: 60,
			pacingMaxSeconds: 180,
			dailyLimit: 50,
			maxPerRun: 10,
			maxRunMinutes: 15,
			window: { days: [1, 2, 3, 4, 5], from: '09:00', to: '17:00', timeZone: 'Europe/Berlin' },
			stopRules: { onReply: true, onBounce: true, onUnsubscribe: true, onAutoReply: false, onCompanyReply: false },
			autoReplyPauseDays: 7,
			maxBodyBytes: 2 * 1024 * 1024,
		});
	});

	it('merges what is set, treating null as unset, nested objects partially', () => {
		const options = resolveOptions(
			{ dailyLimit: 20, pacingMinSeconds: null, window: { from: '08:30', timeZone: null }, stopRules: { onAutoReply: true, onReply: null } },
			'America/New_York',
		);
		expect(options).toMatchObject({
			dailyLimit: 20,
			pacingMinSeconds: DEFAULT_OPTIONS.pacingMinSeconds,
			window: { days: [1, 2, 3, 4, 5], from: '08:30', to: '17:00', timeZone: 'America/New_York' },
			stopRules: { onReply: true, onAutoReply: true, onCompanyReply: false },
		});
	});

	it.each([
		['pacing max below min', { pacingMinSeconds: 200 }, 'INVALID_PARAMETER', 'Pacing & Limits → Max Delay Between Sends (Seconds) (pacingMaxSeconds) (180) is below Min Delay Between Sends (200)'],
		['negative pacing', { pacingMinSeconds: -1 }, 'INVALID_PARAMETER', 'pacingMinSeconds'],
		['daily limit 0', { dailyLimit: 0 }, 'INVALID_PARAMETER', 'dailyLimit'],
		['fractional max per run', { maxPerRun: 2.5 }, 'INVALID_PARAMETER', 'maxPerRun'],
		['bad window zone', { window: { timeZone: 'Nowhere/City' } }, 'INVALID_TIMEZONE', 'Nowhere/City'],
		['bad window time', { window: { to: '17' } }, 'INVALID_PARAMETER', 'Sending Window → To (HH:MM) "17"'],
	])('rejects %s', (_label, input, code, message) => {
		expect(() => resolveOptions(input, 'Europe/Berlin')).toThrow(expect.objectContaining({ code, message: expect.stringContaining(message) }));
	});

	it('rejects an invalid instance zone only when the window uses it', () => {
		expect(() => resolveOptions({}, 'Bogus/Zone')).toThrow(expect.objectContaining({ code: 'INVALID_TIMEZONE' }));
		expect(resolveOptions({ window: { timeZone: 'UTC' } }, 'Bogus/Zone').window.timeZone).toBe('UTC');
	});
});
