import { describe, expect, it } from 'vitest';
import { parsePodPool, parseSpec } from '../../../src/api/parse.js';
import { PodpoolError } from '../../../src/errors.js';

const template = { spec: { containers: [{ name: 'c', image: 'i' }] } };

function problems(raw: unknown): readonly string[] {
  try {
    parseSpec(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(PodpoolError);
    expect((error as PodpoolError).code).toBe('InvalidSpec');
    return (error as PodpoolError).details;
  }
  return [];
}

describe('parseSpec', () => {
  it('applies the CRD defaults', () => {
    expect(parseSpec({ maxPoolSize: 5, podTemplate: template })).toEqual({
      maxPoolSize: 5,
      minPoolSize: 0,
      targetReadyPods: 1,
      availability: 0.99,
      timeZone: 'UTC',
      scaleDownStabilizationSeconds: 300,
      podTemplate: template,
    });
  });

  it('rejects what the CRD rejects, naming each problem', () => {
    expect(problems({ maxPoolSize: 5, minPoolSize: 6, podTemplate: template })).toEqual([
      'minPoolSize must be less than or equal to maxPoolSize',
    ]);
    expect(
      problems({ maxPoolSize: 5, podTemplate: template, timeBasedScaling: [{ hourStart: 24, hourEnd: 3, targetPoolSize: 1 }] })[0],
    ).toMatch(/timeBasedScaling\.0\.hourStart/);
    expect(
      problems({ maxPoolSize: 5, podTemplate: template, timeBasedScaling: [{ hourStart: 3, hourEnd: 3, targetPoolSize: 1 }] }),
    ).toEqual(['timeBasedScaling[0]: hourStart and hourEnd must differ']);
    expect(
      problems({ maxPoolSize: 5, podTemplate: template, timeBasedScaling: [{ hourStart: 1, hourEnd: 3, targetPoolSize: 9 }] }),
    ).toEqual(['timeBasedScaling[0].targetPoolSize must be between minPoolSize and maxPoolSize']);
    expect(problems({ maxPoolSize: 5, podTemplate: template, timeZone: 'Mars/Olympus' })).toEqual([
      'timeZone "Mars/Olympus" is not a known IANA time zone',
    ]);
    expect(problems({ maxPoolSize: 5, podTemplate: template, scaleUpVelocityThreshold: 0 })).toEqual([
      'scaleUpVelocityThreshold must be greater than 0',
    ]);
    expect(problems({ podTemplate: template })[0]).toMatch(/maxPoolSize/);
    expect(problems('nope')).toEqual([]);
    expect(() => parseSpec('nope')).toThrow(/spec must be an object/);
  });

  it('accepts hourEnd 24 and a window that wraps midnight', () => {
    expect(() =>
      parseSpec({
        maxPoolSize: 5,
        podTemplate: template,
        timeZone: 'America/New_York',
        timeBasedScaling: [
          { hourStart: 0, hourEnd: 24, targetPoolSize: 1 },
          { hourStart: 22, hourEnd: 6, targetPoolSize: 2, days: ['Fri'] },
        ],
      }),
    ).not.toThrow();
  });
});

describe('parsePodPool', () => {
  it('checks apiVersion and kind', () => {
    expect(() => parsePodPool({ apiVersion: 'scaling.example.com/v1', kind: 'PodPool', spec: {} })).toThrow(
      /expected apiVersion podpool.dev\/v1alpha1/,
    );
    const pool = parsePodPool({
      apiVersion: 'podpool.dev/v1alpha1',
      kind: 'PodPool',
      metadata: { name: 'p' },
      spec: { maxPoolSize: 3, podTemplate: template },
    });
    expect(pool.metadata.name).toBe('p');
    expect(pool.spec.targetReadyPods).toBe(1);
  });
});
