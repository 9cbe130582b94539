import { describe, expect, it } from 'vitest';
import { logFormat } from '../../src/log.js';

describe('logFormat', () => {
  it('is pretty on a terminal and JSON elsewhere, unless LOG_FORMAT says', () => {
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: 'pretty' }, false)).toBe('pretty');
  });
  it('ignores a value it does not know', () => {
    expect(logFormat({ LOG_FORMAT: 'yaml' }, false)).toBe('json');
  });
});
