/**
 * The trade-off chart of `podpool simulate --sweep`: every swept policy as a curve on the
 * cold-rate / idle-cost plane (cost on x, cold rate on a log y axis), so a user picks podpool's
 * availability target by looking at where its curve passes the baselines. Down and left is better.
 */
import type { SweepResult } from './sweep.js';

const WIDTH = 900;
const HEIGHT = 560;
const LEFT = 80;
const RIGHT = 180;
const TOP = 50;
const BOTTOM = 60;
const PALETTE = ['#d62d20', '#3b6fb6', '#3f9b55', '#e8a33d', '#8a4fb0', '#555555'];
const FONT = "Helvetica, Arial, 'DejaVu Sans', sans-serif";
/** Cold rates below this are drawn on the bottom edge (a log axis has no zero). */
const MIN_RATE = 1e-4;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderTradeoffChart(curves: readonly SweepResult[], title: string): string {
  const points = curves.flatMap((curve) => curve.points);
  const maxCost = Math.max(1, ...points.map((point) => point.unreservedPodMinutes)) * 1.05;
  const plotWidth = WIDTH - LEFT - RIGHT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const x = (cost: number) => LEFT + (cost / maxCost) * plotWidth;
  const logMin = Math.log10(MIN_RATE);
  const y = (rate: number) => TOP + (Math.log10(Math.max(rate, MIN_RATE)) / logMin) * plotHeight;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="${FONT}">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${LEFT}" y="28" font-size="15" fill="#222222">${escape(title)}</text>`,
  ];
  for (const rate of [1, 0.1, 0.01, 0.001, 0.0001]) {
    parts.push(`<line x1="${LEFT}" x2="${LEFT + plotWidth}" y1="${y(rate)}" y2="${y(rate)}" stroke="#dddddd"/>`);
    parts.push(`<text x="${LEFT - 8}" y="${y(rate) + 4}" font-size="11" text-anchor="end" fill="#222222">${rate * 100}%</text>`);
  }
  for (let i = 0; i <= 5; i += 1) {
    const cost = (maxCost * i) / 5;
    parts.push(
      `<text x="${x(cost)}" y="${TOP + plotHeight + 18}" font-size="11" text-anchor="middle" fill="#222222">${Math.round(cost)}</text>`,
    );
  }
  parts.push(
    `<text x="${LEFT + plotWidth / 2}" y="${HEIGHT - 16}" font-size="12" text-anchor="middle" fill="#222222">idle pod-minutes (warming + ready, unreserved)</text>`,
  );
  parts.push(
    `<text x="18" y="${TOP + plotHeight / 2}" font-size="12" text-anchor="middle" fill="#222222" transform="rotate(-90 18 ${TOP + plotHeight / 2})">cold reservations (log)</text>`,
  );
  parts.push(`<rect x="${LEFT}" y="${TOP}" width="${plotWidth}" height="${plotHeight}" fill="none" stroke="#222222"/>`);
  curves.forEach((curve, index) => {
    const color = PALETTE[index % PALETTE.length] as string;
    const sorted = [...curve.points].sort((a, b) => a.unreservedPodMinutes - b.unreservedPodMinutes);
    const path = sorted.map((point) => `${x(point.unreservedPodMinutes).toFixed(1)},${y(point.coldRate).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="${curve.policy === 'podpool' ? 3 : 1.5}"/>`);
    for (const point of sorted) {
      parts.push(
        `<circle cx="${x(point.unreservedPodMinutes).toFixed(1)}" cy="${y(point.coldRate).toFixed(1)}" r="3" fill="${color}"><title>${escape(`${curve.policy} ${curve.knobName} ${point.knob}`)}</title></circle>`,
      );
    }
    const legendY = TOP + 16 + index * 20;
    parts.push(
      `<line x1="${WIDTH - RIGHT + 16}" x2="${WIDTH - RIGHT + 40}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="3"/>`,
    );
    parts.push(
      `<text x="${WIDTH - RIGHT + 46}" y="${legendY}" font-size="12" fill="#222222">${escape(`${curve.policy} (${curve.knobName})`)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
