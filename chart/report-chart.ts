/**
 * The Report operation's chart: the funnel per step (prospects, replies, bounces, unsubscribes) and the
 * reply rate per step × variant, as a PNG that n8n shows in the output panel.
 *
 * Drawn by Apache ECharts' server-side SVG renderer (`ssr: true`: no DOM, no canvas, a CommonJS build
 * n8n's loader can require) and rasterised by resvg compiled to WebAssembly (`@resvg/resvg-wasm`: no
 * native build, no system fonts needed). The one font is DejaVu Sans, shipped beside this file with its
 * licence, so the PNG looks the same on every host. Why these two: docs/design.md, "The report's chart".
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import * as echarts from 'echarts';
import type { ReportRow } from '../core/report/sequence-report';

/** Size of the chart in CSS pixels; the PNG is drawn at twice that for sharp text. */
const WIDTH = 960;
const HEIGHT = 480;
const SCALE = 2;
const FONT_FAMILY = 'DejaVu Sans';
/** Beyond this many step × variant bars the labels no longer fit; the rest are left out of the chart (not of the items). */
const MAX_VARIANT_BARS = 40;

let wasmReady: Promise<void> | undefined;
let font: Uint8Array | undefined;

/** Loads the rasteriser once per process (initWasm refuses a second call). */
function ready(): Promise<void> {
	wasmReady ??= initWasm(readFileSync(require.resolve('@resvg/resvg-wasm/index_bg.wasm'))).catch((error: unknown) => {
		wasmReady = undefined;
		throw error;
	});
	return wasmReady;
}

function fontBuffer(): Uint8Array {
	font ??= readFileSync(join(__dirname, 'fonts', 'DejaVuSans.ttf'));
	return font;
}

/** The ECharts option of the chart (exported for tests: the numbers it draws). */
export function chartOption(rows: readonly ReportRow[]): echarts.EChartsCoreOption {
	const stepRows = rows.filter((r) => r.scope === 'step');
	const total = rows.find((r) => r.scope === 'total');
	const steps = [...new Set(stepRows.map((r) => r.step as number))].sort((a, b) => a - b);
	const sum = (step: number, field: 'prospectsStarted' | 'replies' | 'bounces' | 'unsubscribes') =>
		stepRows.filter((r) => r.step === step).reduce((n, r) => n + r[field], 0);
	const variants = stepRows.slice(0, MAX_VARIANT_BARS);
	const label = { show: true, position: 'top', fontFamily: FONT_FAMILY, fontSize: 11 };
	const key = total?.sequenceKey ?? stepRows[0]?.sequenceKey ?? '';
	return {
		animation: false,
		backgroundColor: '#ffffff',
		textStyle: { fontFamily: FONT_FAMILY },
		color: ['#5470c6', '#91cc75', '#ee6666', '#fac858', '#73c0de'],
		title: [
			{
				text: `Sequence "${key}"`,
				subtext: total
					? `${total.prospectsStarted} prospects · ${total.emailsSent} emails · ${total.replies} replied (${total.replyRatePercent} %) · ${total.bounces} bounced · ${total.unsubscribes} unsubscribed`
					: '',
				left: 'center',
				top: 6,
				textStyle: { fontFamily: FONT_FAMILY, fontSize: 16 },
				subtextStyle: { fontFamily: FONT_FAMILY, fontSize: 12 },
			},
			{ text: 'Funnel per step', left: '26%', top: 62, textAlign: 'center', textStyle: { fontFamily: FONT_FAMILY, fontSize: 13 } },
			{ text: 'Reply rate per variant', left: '76%', top: 62, textAlign: 'center', textStyle: { fontFamily: FONT_FAMILY, fontSize: 13 } },
		],
		legend: { bottom: 6, itemGap: 24, data: ['Prospects', 'Replies', 'Bounces', 'Unsubscribes', 'Reply rate'], textStyle: { fontFamily: FONT_FAMILY } },
		grid: [
			{ left: 50, right: '52%', top: 100, bottom: 70 },
			{ left: '56%', right: 30, top: 100, bottom: 70 },
		],
		xAxis: [
			{ gridIndex: 0, type: 'category', data: steps.map((s) => `Step ${s}`) },
			{ gridIndex: 1, type: 'category', data: variants.map((r) => `${r.step}${r.variant ?? ''}`), axisLabel: { interval: 0 } },
		],
		yAxis: [
			{ gridIndex: 0, type: 'value', minInterval: 1 },
			{ gridIndex: 1, type: 'value', axisLabel: { formatter: '{value} %' } },
		],
		series: [
			{ name: 'Prospects', type: 'bar', xAxisIndex: 0, yAxisIndex: 0, data: steps.map((s) => sum(s, 'prospectsStarted')), label },
			{ name: 'Replies', type: 'bar', xAxisIndex: 0, yAxisIndex: 0, data: steps.map((s) => sum(s, 'replies')), label },
			{ name: 'Bounces', type: 'bar', xAxisIndex: 0, yAxisIndex: 0, data: steps.map((s) => sum(s, 'bounces')), label },
			{ name: 'Unsubscribes', type: 'bar', xAxisIndex: 0, yAxisIndex: 0, data: steps.map((s) => sum(s, 'unsubscribes')), label },
			{
				name: 'Reply rate',
				type: 'bar',
				xAxisIndex: 1,
				yAxisIndex: 1,
				data: variants.map((r) => r.replyRatePercent),
				itemStyle: { color: '#73c0de' },
				label: { ...label, formatter: '{c} %' },
			},
		],
	};
}

/** The chart as SVG text (ECharts' server-side renderer). */
export function reportChartSvg(rows: readonly ReportRow[]): string {
	const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height: HEIGHT });
	try {
		chart.setOption(chartOption(rows));
		return chart.renderToSVGString();
	} finally {
		chart.dispose();
	}
}

/** The chart as a PNG. */
export async function reportChartPng(rows: readonly ReportRow[]): Promise<Buffer> {
	await ready();
	const resvg = new Resvg(reportChartSvg(rows), {
		fitTo: { mode: 'zoom', value: SCALE },
		background: '#ffffff',
		font: { fontBuffers: [fontBuffer()], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
	});
	try {
		const image = resvg.render();
		try {
			return Buffer.from(image.asPng());
		} finally {
			image.free();
		}
	} finally {
		resvg.free();
	}
}
