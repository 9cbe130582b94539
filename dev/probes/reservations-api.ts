/** Calls an operator's reservation API over TLS, as a client holding a bearer token would. */
import { request } from 'node:https';

export interface ReservationsAnswer {
  status: number;
  body: Record<string, unknown>;
}

export interface ReservationsTarget {
  port: number | undefined;
  /** PEM of the CA that signed the operator's serving certificate. */
  ca: string;
}

/** `body` is sent as JSON, or as is when it is a string (to send malformed JSON). */
export function callReservations(
  target: ReservationsTarget,
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<ReservationsAnswer> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: target.port,
        method,
        path,
        ca: target.ca,
        servername: 'localhost',
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(payload ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
