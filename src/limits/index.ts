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
export { createRedisLimiter, type RedisLimiterOptions } from './redis.js';
