/**
 * The chart a person looks at first: reservations per minute on top, then one panel per policy
 * with its ready pods (green) and warming pods (amber) stacked, cold reservations as red ticks
 * under the panel. Every policy panel shares one y scale so their sizes compare at a glance.
 * Plain SVG text, no renderer needed; chart-png.ts rasterizes it with resvg, so it sticks to
 * presentation attributes (no CSS) and names a font family Linux has (DejaVu Sans).
 */
import type { PolicyReport } from './report.js';
import { formatPercent } from './report.js';
import type { Timeline } from './simulator.js';

export interface ChartInput {
  startMs: number;
  timeZone: string;
  demandPerMinute: ArrayLike<number>;
  policies: ReadonlyArray<{ report: PolicyReport; timeline: Timeline }>;
  title?: string | undefined;
}

const WIDTH = 1200;
const LEFT = 64;
const RIGHT = 24;
const PLOT_WIDTH = WIDTH - LEFT - RIGHT;
const TITLE_HEIGHT = 76;
const DEMAND_HEIGHT = 120;
const PANEL_HEIGHT = 110;
const PANEL_GAP = 34;
const AXIS_HEIGHT = 30;
const FONT_FAMILY = "Helvetica, Arial, 'DejaVu Sans', sans-serif";
const COLORS = { demand: '#3b6fb6', ready: '#3f9b55', warming: '#e8a33d', cold: '#d62d20', grid: '#dddddd', text: '#222222' };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Averages (or sums) consecutive minutes into at most one column per pixel. */
function columns(values: ArrayLike<number>, perColumn: number, combine: 'mean' | 'sum'): number[] {
  const out: number[] = [];
  for (let start = 0; start < values.length; start += perColumn) {
    let total = 0;
    const end = Math.min(values.length, start + perColumn);
    for (let i = start; i < end; i += 1) total += values[i] as number;
    out.push(combine === 'mean' ? total / (end - start) : total);
  }
  return out;
}

/** A round axis maximum at or above `value`: 1, 2, 5, 10, 20, 50, ... */
function niceMaximum(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  return ([1, 2, 5, 10].find((step) => step * magnitude >= value) ?? 10) * magnitude;
}

function tickMinutes(minutes: number): number {
  if (minutes <= 6 * 60) return 60;
  if (minutes <= 24 * 60) return 3 * 60;
  if (minutes <= 3 * 24 * 60) return 12 * 60;
  return 24 * 60;
}

const n = (value: number): string => (Math.round(value * 10) / 10).toString();

function area(top: readonly number[], bottom: readonly number[], x: (i: number) => number, y: (v: number) => number, fill: string): string {
  if (top.length === 0) return '';
  const upper = top.map((v, i) => `${n(x(i))},${n(y(v))}`);
  const lower = bottom.map((v, i) => `${n(x(i))},${n(y(v))}`).reverse();
  return `<polygon fill="${fill}" stroke="none" points="${[...upper, ...lower].join(' ')}"/>`;
}

export function renderChart(input: ChartInput): string {
  const minutes = input.demandPerMinute.length;
  const perColumn = Math.max(1, Math.ceil(minutes / PLOT_WIDTH));
  const columnCount = Math.ceil(minutes / perColumn);
  const x = (column: number): number => LEFT + ((column + 0.5) * PLOT_WIDTH) / Math.max(1, columnCount);
  const minuteX = (minute: number): number => LEFT + (minute * PLOT_WIDTH) / Math.max(1, minutes);
  const height = TITLE_HEIGHT + DEMAND_HEIGHT + input.policies.length * (PANEL_HEIGHT + PANEL_GAP) + PANEL_GAP + AXIS_HEIGHT;
  const parts: string[] = [];
  const unit = perColumn === 1 ? 'per minute' : `per minute, ${perColumn}-minute means`;

  parts.push(`<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`);

  // The time axis first, so its dashed grid lines sit behind the data rather than across it.
  const axisTop = height - AXIS_HEIGHT;
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: input.timeZone,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  });
  const step = tickMinutes(minutes);
  for (let minute = 0; minute <= minutes; minute += step) {
    const tickX = minuteX(minute);
    // A label centred on the right edge ("Tue 01:00", ~50 px) would run past the 24 px margin.
    const anchor = tickX > WIDTH - RIGHT - 30 ? 'end' : 'middle';
    parts.push(
      `<line x1="${n(tickX)}" x2="${n(tickX)}" y1="${TITLE_HEIGHT}" y2="${axisTop}" stroke="${COLORS.grid}" stroke-dasharray="2,3"/>`,
    );
    parts.push(
      `<text x="${n(tickX)}" y="${axisTop + 16}" font-size="10" text-anchor="${anchor}">${escapeXml(format.format(input.startMs + minute * 60_000))}</text>`,
    );
  }

  parts.push(`<text x="${LEFT}" y="22" font-size="16" font-weight="bold">${escapeXml(input.title ?? 'podpool simulate')}</text>`);
  parts.push(
    `<text x="${LEFT}" y="42" font-size="12" xml:space="preserve">` +
      `<tspan fill="${COLORS.demand}">■ reservations</tspan>  <tspan fill="${COLORS.ready}">■ ready, unreserved pods</tspan>  ` +
      `<tspan fill="${COLORS.warming}">■ warming pods</tspan>  <tspan fill="${COLORS.cold}">| cold reservations</tspan>  (${escapeXml(unit)}; times in ${escapeXml(input.timeZone)})</text>`,
  );

  const panel = (top: number, panelHeight: number, maximum: number, label: string): ((v: number) => number) => {
    const y = (v: number): number => top + panelHeight - (v / maximum) * panelHeight;
    parts.push(`<rect x="${LEFT}" y="${top}" width="${PLOT_WIDTH}" height="${panelHeight}" fill="none" stroke="${COLORS.grid}"/>`);
    for (const fraction of [0.5, 1]) {
      parts.push(
        `<line x1="${LEFT}" x2="${LEFT + PLOT_WIDTH}" y1="${n(y(maximum * fraction))}" y2="${n(y(maximum * fraction))}" stroke="${COLORS.grid}"/>`,
      );
      parts.push(
        `<text x="${LEFT - 6}" y="${n(y(maximum * fraction) + 4)}" font-size="10" text-anchor="end">${n(maximum * fraction)}</text>`,
      );
    }
    parts.push(`<text x="${LEFT - 6}" y="${top + panelHeight + 4}" font-size="10" text-anchor="end">0</text>`);
    parts.push(`<text x="${LEFT + 4}" y="${top - 6}" font-size="12" font-weight="bold">${escapeXml(label)}</text>`);
    return y;
  };

  const demand = columns(input.demandPerMinute, perColumn, 'mean');
  const demandTop = TITLE_HEIGHT;
  const demandY = panel(demandTop, DEMAND_HEIGHT, niceMaximum(Math.max(0, ...demand)), 'demand: reservations per minute');
  parts.push(
    area(
      demand,
      demand.map(() => 0),
      x,
      demandY,
      COLORS.demand,
    ),
  );

  const stacks = input.policies.map(({ timeline }) => {
    const ready = columns(timeline.readyPods, perColumn, 'mean');
    const warming = columns(timeline.warmingPods, perColumn, 'mean');
    return { ready, total: ready.map((v, i) => v + (warming[i] ?? 0)), cold: columns(timeline.coldReservations, perColumn, 'sum') };
  });
  const podMaximum = niceMaximum(Math.max(0, ...stacks.flatMap((stack) => stack.total)));
  input.policies.forEach(({ report }, index) => {
    const stack = stacks[index];
    if (stack === undefined) return;
    const top = TITLE_HEIGHT + DEMAND_HEIGHT + PANEL_GAP + index * (PANEL_HEIGHT + PANEL_GAP);
    const cost = report.costVsOracle === null ? '' : `, ${report.costVsOracle.toFixed(2)}x oracle`;
    const label = `${report.policy}: ${report.cold} cold of ${report.reservations} (${formatPercent(report.coldRate)}), ${report.unreservedPodMinutes} idle pod-min${cost}`;
    const y = panel(top, PANEL_HEIGHT, podMaximum, label);
    parts.push(area(stack.total, stack.ready, x, y, COLORS.warming));
    parts.push(
      area(
        stack.ready,
        stack.ready.map(() => 0),
        x,
        y,
        COLORS.ready,
      ),
    );
    const ticks = stack.cold.flatMap((count, column) =>
      count > 0 ? [`M${n(x(column))} ${top + PANEL_HEIGHT + 2}v${Math.min(12, 3 + count)}`] : [],
    );
    if (ticks.length > 0) parts.push(`<path d="${ticks.join('')}" fill="none" stroke="${COLORS.cold}" stroke-width="1.5"/>`);
  });

  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" ` +
    `font-family="${FONT_FAMILY}" fill="${COLORS.text}">\n${parts.join('\n')}\n</svg>\n`
  );
}
