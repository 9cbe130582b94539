import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { chartFormat, simulateCommand } from '../../../src/cli/simulate.js';
import { PodpoolError } from '../../../src/errors.js';
import { renderChart } from '../../../src/sim/chart.js';
import { PNG_SCALE, svgToPng } from '../../../src/sim/chart-png.js';
import { demandPerMinute, runComparison } from '../../../src/sim/compare.js';
import { parseDistribution } from '../../../src/sim/distribution.js';
import { parseTrace } from '../../../src/sim/trace.js';
import { makeSpec } from '../support/spec.js';
import { START } from './support.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const TRACE = 'minute,count\n0,1\n1,3\n2,0\n3,2\n4,5\n5,1\n';

/** The width and height in a PNG's IHDR chunk, which the format requires to come first. */
function pngSize(png: Uint8Array): { width: number; height: number } {
  expect(Array.from(png.subarray(0, 8))).toEqual(PNG_SIGNATURE);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(view.getUint32(8)).toBe(13); // IHDR's length
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * The top-left pixel of an 8-bit RGBA PNG. Every PNG row filter leaves the first pixel of the
 * first row as it is (its left and upper neighbours count as zero), so no unfiltering is needed.
 */
function firstPixel(png: Uint8Array): number[] {
  expect([png[24], png[25]]).toEqual([8, 6]); // bit depth 8, colour type RGBA
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const data: Uint8Array[] = [];
  for (let offset = 8; offset < png.byteLength;) {
    const length = view.getUint32(offset);
    if (new TextDecoder().decode(png.subarray(offset + 4, offset + 8)) === 'IDAT') data.push(png.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  return Array.from(inflateSync(Buffer.concat(data)).subarray(1, 5));
}

/** The SVG root's own width and height. */
function svgSize(svg: string): { width: number; height: number } {
  const match = /^<svg [^>]*width="(\d+)" height="(\d+)"/.exec(svg);
  if (match === null) throw new Error('no SVG size');
  return { width: Number(match[1]), height: Number(match[2]) };
}

function tinyChart(): string {
  const { comparison, scenario, timelines } = runComparison({
    spec: makeSpec({ maxPoolSize: 10 }),
    trace: parseTrace(TRACE),
    startMs: START,
    warmup: parseDistribution('60', 'warmup'),
    session: parseDistribution('300', 'session'),
    seed: 1,
    policies: ['podpool', 'buffer'],
  });
  return renderChart({
    startMs: START,
    timeZone: 'UTC',
    demandPerMinute: demandPerMinute(scenario),
    policies: comparison.policies.flatMap((report) => {
      const timeline = timelines.get(report.policy);
      return timeline === undefined ? [] : [{ report, timeline }];
    }),
    title: 'tiny',
  });
}

describe('svgToPng', () => {
  it(`renders a real chart as a PNG at ${PNG_SCALE}x its SVG size`, async () => {
    const svg = tinyChart();
    const png = await svgToPng(svg);
    const size = svgSize(svg);
    expect(pngSize(png)).toEqual({ width: size.width * PNG_SCALE, height: size.height * PNG_SCALE });
    expect(png.byteLength).toBeGreaterThan(10_000); // text and areas drawn, not a blank page
  });

  it('draws what the SVG says: a solid red square comes out red', async () => {
    const png = await svgToPng(
      '<svg xmlns="http://www.w3.org/2000/svg" width="3" height="2"><rect width="3" height="2" fill="#ff0000"/></svg>',
    );
    expect(pngSize(png)).toEqual({ width: 3 * PNG_SCALE, height: 2 * PNG_SCALE });
    expect(firstPixel(png)).toEqual([255, 0, 0, 255]);
  });
});

describe('svgToPng without @resvg/resvg-js', () => {
  afterEach(() => {
    vi.doUnmock('@resvg/resvg-js');
    vi.resetModules();
  });

  it('says to install the optional dependency or to write SVG', async () => {
    vi.resetModules();
    vi.doMock('@resvg/resvg-js', () => {
      throw new Error("Cannot find package '@resvg/resvg-js'"); // vitest reports its own message
    });
    const { svgToPng: withoutRenderer } = await import('../../../src/sim/chart-png.js');
    const failure = withoutRenderer('<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
    // A fresh module graph, so a fresh PodpoolError class: match the name, not the class.
    await expect(failure).rejects.toMatchObject({
      name: 'PodpoolError',
      code: 'Unavailable',
      message: expect.stringMatching(
        /needs the optional dependency @resvg\/resvg-js, which could not be loaded \(.*\); install it with npm install @resvg\/resvg-js, or name the chart \*\.svg/,
      ),
    });
  });
});

describe('simulate --chart', () => {
  let dir: string;
  const run = (chart: string, pool = 'examples/podpool.yaml', trace = join(dir, 'trace.csv')): Promise<number> =>
    simulateCommand(['--pool', pool, '--trace', trace, '--policies', 'podpool,buffer', '--chart', chart]);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'podpool-chart-'));
    await writeFile(join(dir, 'trace.csv'), TRACE);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it('picks the format by extension, in any case', () => {
    expect(chartFormat('week.svg')).toBe('svg');
    expect(chartFormat('out/Week.PNG')).toBe('png');
    for (const name of ['week.gif', 'week.svg.txt', 'week', 'svg', '.png', 'dir.png/week']) {
      expect(() => chartFormat(name), name).toThrow(PodpoolError);
    }
  });

  it('rejects any other extension before reading the pool or running anything', async () => {
    const failure = run(join(dir, 'week.jpg'), join(dir, 'no-such-pool.yaml'), join(dir, 'no-such-trace.csv'));
    await expect(failure).rejects.toMatchObject({ code: 'InvalidArgument', message: expect.stringContaining('must end in .svg or .png') });
  });

  it('writes a PNG for *.png and SVG text for *.svg', async () => {
    expect(await run(join(dir, 'chart.png'))).toBe(0);
    const png = new Uint8Array(await readFile(join(dir, 'chart.png')));
    expect(pngSize(png).width).toBe(1200 * PNG_SCALE);

    expect(await run(join(dir, 'chart.svg'))).toBe(0);
    const svg = await readFile(join(dir, 'chart.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(pngSize(png).height).toBe(svgSize(svg).height * PNG_SCALE);
  });
});
