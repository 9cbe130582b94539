import { describe, expect, it } from 'vitest';
import { activityPush, type ActivityState } from '../../../src/scaler/activity.js';

const state = (overrides: Partial<ActivityState> = {}): ActivityState => ({
  active: true,
  mode: 'normal',
  windowIndex: undefined,
  ...overrides,
});

describe('what a StreamIsActive stream says', () => {
  it('always says the current state first', () => {
    expect(activityPush(undefined, state({ active: false }))).toBe(false);
    expect(activityPush(undefined, state())).toBe(true);
  });

  it('pushes every change of activity, both ways', () => {
    expect(activityPush(state({ active: false }), state({ active: true }))).toBe(true);
    expect(activityPush(state({ active: true }), state({ active: false }))).toBe(false);
  });

  it('stays quiet while nothing changes', () => {
    expect(activityPush(state(), state())).toBeUndefined();
    expect(activityPush(state({ active: false }), state({ active: false }))).toBeUndefined();
    expect(activityPush(state({ mode: 'spike' }), state({ mode: 'spike' }))).toBeUndefined();
    expect(activityPush(state({ windowIndex: 0 }), state({ windowIndex: 0 }))).toBeUndefined();
  });

  it('pushes true again when an active pool enters spike mode', () => {
    expect(activityPush(state(), state({ mode: 'spike' }))).toBe(true);
    expect(activityPush(state({ mode: 'spike' }), state())).toBeUndefined();
  });

  it('pushes true again when a window (or its pre-scaling) starts, not when it ends', () => {
    expect(activityPush(state(), state({ windowIndex: 1 }))).toBe(true);
    expect(activityPush(state({ windowIndex: 0 }), state({ windowIndex: 1 }))).toBe(true);
    expect(activityPush(state({ windowIndex: 1 }), state())).toBeUndefined();
  });

  it('says nothing about spikes or windows of a pool that wants no pods', () => {
    expect(activityPush(state({ active: false }), state({ active: false, mode: 'spike', windowIndex: 0 }))).toBeUndefined();
  });
});
