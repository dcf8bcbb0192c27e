export type { Limiter, LimitResult, RateLimit } from './limiter.js';
export { createMemoryLimiter, type MemoryLimiter, type MemoryLimiterOptions } from './memory.js';
export { createRedisLimiter, type RedisLimiterOptions } from './redis.js';
