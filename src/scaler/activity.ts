/**
 * When a StreamIsActive stream should speak. Pure: the previous and the current state in, the
 * message (or nothing) out. Besides every change of activity, `true` is pushed again when the pool
 * newly needs capacity while already active (spike mode entered, a window's pre-scaling begun):
 * KEDA treats a pushed `true` as a reason to act now instead of at the next poll.
 */
import type { Mode } from '../scaling/recommend.js';
import type { ScalerAnswer } from './service.js';

export interface ActivityState {
  active: boolean;
  mode: Mode;
  /** Index of the time window in force (or pre-scaling), if any. */
  windowIndex: number | undefined;
}

export function activityStateOf(answer: ScalerAnswer): ActivityState {
  return { active: answer.active, mode: answer.recommendation.mode, windowIndex: answer.recommendation.window?.index };
}

/** The message to push, or undefined when there is nothing new to say. */
export function activityPush(previous: ActivityState | undefined, current: ActivityState): boolean | undefined {
  if (previous === undefined || previous.active !== current.active) return current.active;
  if (!current.active) return undefined;
  if (current.mode === 'spike' && previous.mode !== 'spike') return true;
  if (current.windowIndex !== undefined && current.windowIndex !== previous.windowIndex) return true;
  return undefined;
}
