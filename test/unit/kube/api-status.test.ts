import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { apiStatusMessage, httpStatus, retryAfterMs } from '../../../src/kube/api-status.js';

const NOW = Date.parse('2025-01-01T00:00:00Z');

function answer(code: number, headers: Record<string, string> = {}): ApiException<unknown> {
  return new ApiException(code, 'Unknown API Status Code!', { kind: 'Status', code }, headers);
}

describe('httpStatus', () => {
  it('reads an API call failure and a failed watch (client-node sets statusCode on a plain Error)', () => {
    expect(httpStatus(answer(404))).toBe(404);
    expect(httpStatus(Object.assign(new Error('Too Many Requests'), { statusCode: 429 }))).toBe(429);
    expect(httpStatus(new TypeError('fetch failed'))).toBeUndefined();
    expect(httpStatus(undefined)).toBeUndefined();
  });
});

describe('retryAfterMs', () => {
  it('reads delay-seconds, in any header case', () => {
    expect(retryAfterMs(answer(429, { 'retry-after': '1' }), NOW)).toBe(1000);
    expect(retryAfterMs(answer(503, { 'Retry-After': ' 5 ' }), NOW)).toBe(5000);
  });

  it('reads an HTTP date, as the time left until it', () => {
    expect(retryAfterMs(answer(429, { 'retry-after': 'Wed, 01 Jan 2025 00:00:03 GMT' }), NOW)).toBe(3000);
    expect(retryAfterMs(answer(429, { 'retry-after': 'Tue, 31 Dec 2024 23:59:00 GMT' }), NOW)).toBe(0);
  });

  it('assumes 1 s for a 429 that carries no usable header, as a failed watch does', () => {
    expect(retryAfterMs(answer(429), NOW)).toBe(1000);
    expect(retryAfterMs(answer(429, { 'retry-after': 'soon' }), NOW)).toBe(1000);
    expect(retryAfterMs(Object.assign(new Error('Too Many Requests'), { statusCode: 429 }), NOW)).toBe(1000);
  });

  it('asks for nothing on other failures', () => {
    expect(retryAfterMs(answer(500), NOW)).toBeUndefined();
    expect(retryAfterMs(answer(409, { 'retry-after': '1' }), NOW)).toBeUndefined();
    expect(retryAfterMs(new TypeError('fetch failed'), NOW)).toBeUndefined();
  });
});

describe('apiStatusMessage', () => {
  it("answers the API server's Status message, from a parsed or a string body, else the error's own message", () => {
    const status = { kind: 'Status', code: 422, message: 'PodPoolClaim.podpool.dev "x" is invalid: spec.poolName: Invalid value' };
    expect(apiStatusMessage(new ApiException(422, 'Unknown API Status Code!', status, {}))).toBe(status.message);
    expect(apiStatusMessage(new ApiException(422, 'Unknown API Status Code!', JSON.stringify(status), {}))).toBe(status.message);
    expect(apiStatusMessage(new ApiException(502, 'Bad Gateway', 'upstream gone', {}))).toBe('upstream gone');
    expect(apiStatusMessage(new ApiException(500, 'boom', { kind: 'Status' }, {}))).toContain('boom');
    expect(apiStatusMessage(new TypeError('fetch failed'))).toBe('fetch failed');
  });
});
