// HTTP load for the takeover benchmark, run in a process of its own so that the load generator
// does not share the server's event loop: autocannon's API, because each assess request must
// carry a different account's login (one fixed body would queue every request behind one
// account's lock) stamped with the time it is sent. Prints autocannon's result as JSON.
//
// node load.js <url> <token> <rate per second, 0 for as fast as it goes> <seconds> <connections> [events.json]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: AutocannonRequest) => AutocannonRequest;
}

export interface LoadResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  duration: number;
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  overallRate?: number;
  headers: Record<string, string>;
  requests: AutocannonRequest[];
}) => Promise<LoadResult>;

const [url, token, rate, seconds, connections, eventsFile] = process.argv.slice(2);
if (!url || !token)
  throw new Error('usage: load.js <url> <token> <rate> <seconds> <connections> [events.json]');
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
const target = new URL(url);

let request: AutocannonRequest = { method: 'GET', path: target.pathname };
if (eventsFile) {
  // Events without a time; each is sent with the time it leaves, as a platform would.
  const events = JSON.parse(readFileSync(eventsFile, 'utf8')) as Array<Record<string, unknown>>;
  let next = 0;
  request = {
    method: 'POST',
    path: target.pathname,
    headers: { 'content-type': 'application/json' },
    setupRequest: (outgoing) => {
      const event = events[next++ % events.length] as Record<string, unknown>;
      return { ...outgoing, body: JSON.stringify({ ...event, time: Date.now() }) };
    },
  };
}

const result = await autocannon({
  url: target.origin,
  connections: Number(connections ?? 64),
  duration: Number(seconds ?? 10),
  ...(Number(rate) > 0 ? { overallRate: Number(rate) } : {}),
  headers: { authorization: `Bearer ${token}` },
  requests: [request],
});
process.stdout.write(
  JSON.stringify({
    requests: { average: result.requests.average, total: result.requests.total },
    latency: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average },
    non2xx: result.non2xx,
    errors: result.errors,
    duration: result.duration,
  } satisfies LoadResult),
);
