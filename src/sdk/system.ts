import type { CallOptions } from './options.js';
import type { Requester } from './transport.js';
import type { HealthStatus, ReadyStatus } from './types.js';

export interface SystemMethods {
  /** Liveness: resolves when the process answers. */
  health(options?: CallOptions): Promise<HealthStatus>;
  /**
   * Readiness: resolves when the store answers and has room and ledger checkpoints are being
   * published; otherwise a 503 whose code is the first failing part's (`store.unavailable`,
   * `storage.full`, `ledger.tiles_unavailable`, `witness.quorum_failed`,
   * `ledger.publication_stale`), with every part in `details.failing`.
   */
  ready(options?: CallOptions): Promise<ReadyStatus>;
  /** Prometheus metrics in the text exposition format; needs `metrics.read`. */
  metrics(options?: CallOptions): Promise<string>;
}

/** Liveness, readiness and metrics (routes in src/api/routes/system.routes.ts). */
export function systemMethods(request: Requester): SystemMethods {
  return {
    health: (options) => request('GET', '/healthz', { call: options }),
    ready: (options) => request('GET', '/readyz', { call: options }),
    metrics: (options) => request('GET', '/metrics', { responseType: 'text', call: options }),
  };
}
