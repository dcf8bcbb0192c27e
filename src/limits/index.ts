export { createFailoverCounters, type FailoverCountersOptions } from './counters.failover.js';
export type {
  CounterOp,
  CounterResult,
  Counters,
  CounterWindow,
  CountOp,
  CountResult,
  DistinctOp,
  DistinctResult,
  PaceLimit,
  PaceOp,
  PaceResult,
  ResultOf,
  ResultsOf,
} from './counters.js';
export { createMemoryCounters, type MemoryCounters, type MemoryCountersOptions } from './counters.memory.js';
export { createRedisCounters, type RedisCountersOptions } from './counters.redis.js';
export type { Limiter, LimitResult, RateLimit } from './limiter.js';
export { createMemoryLimiter, type MemoryLimiter, type MemoryLimiterOptions } from './memory.js';
export {
  createFailoverRates,
  createMemoryRates,
  type MemoryRatesOptions,
  type RateRequest,
  type Rates,
  type RatesResult,
} from './rates.js';
export { createRedisRates, type RedisRatesOptions } from './rates.redis.js';
export { createRedisLimiter, type RedisLimiterOptions } from './redis.js';
