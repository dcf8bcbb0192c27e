import { z } from 'zod';
import { decimal, duration, int } from './config.fields.js';

/** One shared limit: at most `limit` numbers per `period`, in bursts of up to `limit`. */
const rate = (limit: number, period: string, what: string) =>
  z
    .object({
      limit: int(1, 1_000_000_000).default(limit).describe(`Numbers per period ${what}.`),
      period: duration(period).describe('The period the limit refills over.'),
    })
    .strict()
    .prefault({});

/**
 * The contact-discovery guard (`discovery.*`): the new-number quota, the shared rate limits with
 * their outage behaviour, and the bounds of what is kept in memory.
 */
export const discoveryConfig = z
  .object({
    quota: z
      .object({
        allowance: int(1, 10_000_000)
          .default(50_000)
          .describe(
            'Numbers an account may look up for the first time before the refill applies (Signal allows 50,000).',
          ),
        refillPerHour: decimal(0.001, 1_000_000)
          .default(6)
          .describe(
            'New numbers an account earns back an hour once the allowance is spent (6 an hour is about 144 a day).',
          ),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        account: rate(10_000, '1h', 'looked up by one account, new or not'),
        device: rate(10_000, '1h', 'looked up from one device'),
        ip: rate(50_000, '1h', 'looked up from one IP address'),
        subnet: rate(200_000, '1h', 'looked up from one /24 (IPv4) or /48 (IPv6)'),
        asn: rate(
          5_000_000,
          '1h',
          'looked up from one network (ASN); carrier networks carry millions of users',
        ),
        prefix: rate(
          20_000,
          '1h',
          'new to the account looking them up, in one destination prefix (calling code and three national digits), all accounts together',
        ),
      })
      .strict()
      .prefault({}),
    limitsUnavailable: z
      .enum(['local', 'throttle'])
      .default('local')
      .describe(
        'When Redis does not answer: `local` limits on this node alone until Redis is back; `throttle` answers every check with throttle and a retry time.',
      ),
    batchMax: int(1, 100_000)
      .default(5_000)
      .describe(
        'Most numbers in one check; a larger batch is refused whole (413 is the platform’s cue to split).',
      ),
    accountCache: int(1000, 10_000_000)
      .default(100_000)
      .describe(
        'Account quotas (with their looked-up numbers) kept in memory; the least recently used are dropped once written.',
      ),
    flushInterval: duration('1s').describe('How often changed account quotas are written to the store.'),
  })
  .strict()
  .prefault({})
  .refine(
    (c) => Object.values(c.limits).every((limit) => limit.limit >= c.batchMax),
    'every discovery.limits.*.limit must be at least discovery.batchMax, or a full batch could never pass',
  );

export type DiscoveryConfig = z.output<typeof discoveryConfig>;
