/**
 * The report's chart: the numbers it draws come from the rows, and it renders to a real PNG in Node
 * with no browser, canvas or system font (ECharts server-side SVG + resvg WebAssembly).
 */
import { chartOption, reportChartPng, reportChartSvg } from '../../../chart/report-chart';
import type { ReportRow } from '../../../core/report/sequence-report';

function row(step: number | null, variant: string | null, prospects: number, replies: number, bounces = 0, unsubscribes = 0): ReportRow {
	return {
		sequenceKey: 'chart-test',
		scope: step === null ? 'total' : 'step',
		step,
		variant,
		prospectsStarted: prospects,
		emailsSent: prospects,
		replies,
		replyRatePercent: prospects === 0 ? 0 : Math.round((replies / prospects) * 1000) / 10,
		autoReplies: 0,
		bounces,
		hardBounces: bounces,
		softBounces: 0,
		unsubscribes,
		complaints: 0,
		finished: 0,
		stopped: 0,
		active: 0,
		medianHoursToReply: null,
		reportedAt: '2026-12-02T00:00:00.000Z',
	};
}

const rows = [row(1, 'A', 6, 2, 1, 1), row(1, 'B', 8, 1, 1), row(2, 'A', 3, 1), row(2, 'B', 4, 0), row(null, null, 14, 4, 2, 1)];

interface Series {
	name: string;
	data: number[];
}

describe('report chart', () => {
	it('draws the funnel per step (variants summed) and the reply rate per step × variant', () => {
		const option = chartOption(rows) as { series: Series[]; xAxis: { data: string[] }[] };
		const series = Object.fromEntries(option.series.map((s) => [s.name, s.data]));
		expect(option.xAxis[0].data).toEqual(['Step 1', 'Step 2']);
		expect(series.Prospects).toEqual([14, 7]);
		expect(series.Replies).toEqual([3, 1]);
		expect(series.Bounces).toEqual([2, 0]);
		expect(series.Unsubscribes).toEqual([1, 0]);
		expect(option.xAxis[1].data).toEqual(['1A', '1B', '2A', '2B']);
		expect(series['Reply rate']).toEqual([33.3, 12.5, 33.3, 0]);
	});

	it('renders SVG text with the numbers as labels, then a PNG of 1920 × 960 pixels', async () => {
		const svg = reportChartSvg(rows);
		expect(svg).toMatch(/^<svg[\s>]/);
		expect(svg).toContain('Reply rate per variant');
		expect(svg).toContain('33.3 %');
		const png = await reportChartPng(rows);
		expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
		// IHDR: width and height, big-endian, right after the chunk header
		expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1920, 960]);
		// a second chart in the same process reuses the loaded rasteriser
		expect((await reportChartPng([row(null, null, 0, 0)])).length).toBeGreaterThan(1000);
	});
});
