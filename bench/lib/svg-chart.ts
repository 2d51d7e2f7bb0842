/**
 * Grouped bar charts as standalone SVG, for docs/benchmarks.md. Hand-written rather than a charting library:
 * the benches need one kind of chart, and a static file that renders on any Markdown viewer.
 */
import type { ResultChart } from './results.js';

const PALETTE = ['#2f6f4f', '#c0692b', '#5b6ea8', '#a34d7a', '#7c7c3a', '#3d8fa3'];
const WIDTH = 760;
const PLOT_TOP = 48;
const PLOT_HEIGHT = 260;
const PLOT_LEFT = 70;
const PLOT_RIGHT = 20;
const LEGEND_ROW = 18;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short label for a value: 3 significant digits, thousands grouped. */
export function shortNumber(value: number): string {
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1000) return Math.round(value).toLocaleString('en-US');
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  if (abs >= 1) return value.toFixed(2);
  return value.toPrecision(2);
}

/** Axis ticks: powers of ten for a log axis, ~5 round steps for a linear one. */
function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) out.push(10 ** e);
    return out;
  }
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = 0; v <= max + step * 0.001; v += step) out.push(v);
  if (out[out.length - 1]! < max) out.push(out[out.length - 1]! + step);
  return out;
}

export function renderBarChart(chart: ResultChart): string {
  const log = chart.log === true;
  const values = chart.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const legendRows = Math.ceil(chart.series.length / 2);
  const height = PLOT_TOP + PLOT_HEIGHT + 40 + legendRows * LEGEND_ROW + 10;
  const plotWidth = WIDTH - PLOT_LEFT - PLOT_RIGHT;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
  );
  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`);
  if (values.length === 0) {
    parts.push(`<text x="${WIDTH / 2}" y="${PLOT_TOP + PLOT_HEIGHT / 2}" text-anchor="middle">no data</text></svg>`);
    return parts.join('\n');
  }
  const axisTicks = ticks(Math.min(...values), Math.max(...values), log);
  const lo = log ? axisTicks[0]! : 0;
  const hi = axisTicks[axisTicks.length - 1]!;
  const y = (v: number): number => {
    const f = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi;
    return PLOT_TOP + PLOT_HEIGHT - f * PLOT_HEIGHT;
  };
  for (const t of axisTicks) {
    const ty = y(t);
    parts.push(`<line x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${PLOT_LEFT - 6}" y="${(ty + 4).toFixed(1)}" text-anchor="end" fill="#444">${escapeXml(shortNumber(t))}</text>`);
  }
  parts.push(
    `<text x="16" y="${PLOT_TOP + PLOT_HEIGHT / 2}" transform="rotate(-90 16 ${PLOT_TOP + PLOT_HEIGHT / 2})" text-anchor="middle" fill="#444">${escapeXml(chart.unit + (log ? ' (log scale)' : ''))}</text>`,
  );
  const groupWidth = plotWidth / chart.categories.length;
  const barWidth = Math.min(48, (groupWidth * 0.8) / chart.series.length);
  chart.categories.forEach((category, c) => {
    const groupLeft = PLOT_LEFT + c * groupWidth + (groupWidth - barWidth * chart.series.length) / 2;
    chart.series.forEach((series, s) => {
      const v = series.values[c];
      if (v === undefined || !Number.isFinite(v) || v <= 0) return;
      const x = groupLeft + s * barWidth;
      const top = y(v);
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${(PLOT_TOP + PLOT_HEIGHT - top).toFixed(1)}" fill="${PALETTE[s % PALETTE.length]}"><title>${escapeXml(`${series.name}, ${category}: ${shortNumber(v)} ${chart.unit}`)}</title></rect>`,
      );
      parts.push(
        `<text x="${(x + (barWidth - 2) / 2).toFixed(1)}" y="${(top - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${escapeXml(shortNumber(v))}</text>`,
      );
    });
    parts.push(
      `<text x="${(PLOT_LEFT + (c + 0.5) * groupWidth).toFixed(1)}" y="${PLOT_TOP + PLOT_HEIGHT + 18}" text-anchor="middle">${escapeXml(category)}</text>`,
    );
  });
  parts.push(`<line x1="${PLOT_LEFT}" x2="${WIDTH - PLOT_RIGHT}" y1="${PLOT_TOP + PLOT_HEIGHT}" y2="${PLOT_TOP + PLOT_HEIGHT}" stroke="#444"/>`);
  chart.series.forEach((series, s) => {
    const lx = PLOT_LEFT + (s % 2) * (plotWidth / 2);
    const ly = PLOT_TOP + PLOT_HEIGHT + 36 + Math.floor(s / 2) * LEGEND_ROW;
    parts.push(`<rect x="${lx}" y="${ly}" width="12" height="12" fill="${PALETTE[s % PALETTE.length]}"/>`);
    parts.push(`<text x="${lx + 18}" y="${ly + 10}">${escapeXml(series.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
