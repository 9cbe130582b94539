import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/sim/random.js';
import { arrivalSeconds, formatPerMinuteTrace, parseTrace, traceMinutes } from '../../../src/sim/trace.js';

describe('parseTrace', () => {
  it('reads per-minute counts, filling minutes left out with zero', () => {
    const trace = parseTrace('# from the 2019 Azure trace\nminute,count\n0,2\n\n3,1\n');
    expect(trace).toEqual({ format: 'per-minute', counts: [2, 0, 0, 1] });
    expect(traceMinutes(trace)).toBe(4);
  });

  it('reads one arrival per line, in any order', () => {
    const trace = parseTrace('\uFEFFseconds\r\n30.5\r\n2\r\n61\r\n');
    expect(trace).toEqual({ format: 'arrivals', seconds: [2, 30.5, 61] });
    expect(traceMinutes(trace)).toBe(2);
  });

  it('names the file and line of a bad row', () => {
    expect(() => parseTrace('minute,count\n0,1\n0,2\n', 'demand.csv')).toThrow('demand.csv:3: minute 0 appears twice');
    expect(() => parseTrace('minute,count\n0,-1\n', 'demand.csv')).toThrow(/demand.csv:2: expected "minute,count"/);
    expect(() => parseTrace('seconds\nsoon\n', 'demand.csv')).toThrow(/demand.csv:2: expected seconds/);
    expect(() => parseTrace('time,value\n0,1\n', 'demand.csv')).toThrow(/expected the header "minute,count" or "seconds"/);
    expect(() => parseTrace('minute,count\n999999999,1\n', 'demand.csv')).toThrow(/limit/);
    expect(() => parseTrace('', 'demand.csv')).toThrow(/empty trace/);
  });
});

describe('arrivalSeconds', () => {
  it("spreads each minute's arrivals inside that minute, ascending, the same for the same seed", () => {
    const trace = parseTrace('minute,count\n0,3\n1,0\n2,2\n');
    const arrivals = arrivalSeconds(trace, createRandom(5));
    expect(arrivals).toHaveLength(5);
    expect(arrivals.slice(0, 3).every((s) => s >= 0 && s < 60)).toBe(true);
    expect(arrivals.slice(3).every((s) => s >= 120 && s < 180)).toBe(true);
    expect(arrivals).toEqual([...arrivals].sort((a, b) => a - b));
    expect(arrivalSeconds(trace, createRandom(5))).toEqual(arrivals);
  });

  it('round-trips a generated trace through its CSV', () => {
    expect(parseTrace(formatPerMinuteTrace([1, 0, 4]))).toEqual({ format: 'per-minute', counts: [1, 0, 4] });
  });
});
