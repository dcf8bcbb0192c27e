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
    detection: z
      .object({
        hitRate: z
          .object({
            minAnswered: int(1, 10_000_000)
              .default(200)
              .describe('Numbers an account must have been answered before its hit rate is judged.'),
            low: decimal(0, 1)
              .default(0.25)
              .describe(
                'Hit rate below which an account looks like a sweep (random numbers are registered at about your platform’s penetration of the range; real address books far more often). Tune to your platform.',
              ),
            high: decimal(0, 1)
              .default(0.98)
              .describe('Hit rate above which an account looks like a replayed list of known users.'),
          })
          .strict()
          .prefault({}),
        sweep: z
          .object({
            gap: int(1, 1_000_000)
              .default(10)
              .describe('Two numbers of one check this close (numerically) are neighbours.'),
            span: int(0, 50)
              .default(3)
              .describe(
                'A new number is also a neighbour when a number up to this far from it was looked up before by the account.',
              ),
            minNumbers: int(1, 10_000_000)
              .default(100)
              .describe(
                'New numbers an account must have asked for before its share of neighbours is judged.',
              ),
            share: decimal(0, 1)
              .default(0.3)
              .describe(
                'Share of an account’s new numbers with a neighbour above which it is sweeping (address books have almost none).',
              ),
            sortedMin: int(2, 100_000)
              .default(50)
              .describe('Numbers a check must hold before its order is judged.'),
          })
          .strict()
          .prefault({}),
        foreign: z
          .object({
            minNumbers: int(1, 10_000_000)
              .default(100)
              .describe('New numbers an account must have asked for before their countries are judged.'),
            share: decimal(0, 1)
              .default(0.9)
              .describe(
                'Share of new numbers outside the calling code of the account’s own number above which the address book is implausible.',
              ),
          })
          .strict()
          .prefault({}),
        contributions: z
          .object({
            hitRateLow: decimal(0, 1000).default(10).describe('Points for a hit rate below `hitRate.low`.'),
            hitRateHigh: decimal(0, 1000).default(10).describe('Points for a hit rate above `hitRate.high`.'),
            sweep: decimal(0, 1000)
              .default(12)
              .describe('Points for a share of neighbours above `sweep.share`.'),
            sorted: decimal(0, 1000)
              .default(4)
              .describe('Points for a check whose numbers come in ascending order.'),
            foreign: decimal(0, 1000).default(6).describe('Points for an implausible country mix.'),
          })
          .strict()
          .prefault({}),
        thresholds: z
          .object({
            shadow: decimal(0, 10_000)
              .default(10)
              .describe('Score from which new numbers are answered “not registered” (shadow).'),
            throttle: decimal(0, 10_000).default(20).describe('Score from which checks are throttled.'),
            block: decimal(0, 10_000).default(30).describe('Score from which checks are blocked.'),
          })
          .strict()
          .prefault({})
          .refine(
            (t) => t.shadow <= t.throttle && t.throttle <= t.block,
            'discovery.detection.thresholds must rise: shadow ≤ throttle ≤ block',
          ),
        throttleFor: duration('1h').describe('How long a throttled account is told to wait.'),
      })
      .strict()
      .prefault({}),
    fleets: z
      .object({
        window: duration('24h').describe(
          'How long shared addresses, subnets and devices link accounts into a fleet.',
        ),
        recompute: duration('10m').describe('How often (in event time) fleets are found again.'),
        minAccounts: int(2, 1_000_000).default(5).describe('Fewest accounts that make a fleet.'),
        maxLinkAccounts: int(2, 10_000_000)
          .default(5_000)
          .describe('An address or subnet shared by more accounts than this links none (a carrier’s NAT).'),
        registrationWindow: duration('10m').describe(
          'Accounts first seen within this much of each other on the same network are linked.',
        ),
        memberVerdict: z
          .enum(['shadow', 'throttle', 'block'])
          .default('shadow')
          .describe(
            'The strongest answer that being in a flagged fleet leads to on its own; a member’s own signals can still go further. Shadow keeps the fleet asking, learning nothing new and collecting canaries.',
          ),
        canaryRatio: int(1, 1_000_000_000)
          .default(1000)
          .describe(
            'A fleet’s canary lookups count only when at least one in this many of its new numbers is one.',
          ),
      })
      .strict()
      .prefault({}),
    canaries: z
      .object({
        prefixes: z
          .array(z.string().regex(/^\+[1-9]\d{3,13}$/, 'expected `+` and 4 to 14 digits'))
          .max(100_000)
          .default([])
          .describe(
            'E.164 prefixes of number ranges you own and never assign to people (e.g. `+447700900`): a keyed share of them is answered “registered”, differently per cohort, so a leaked dump names its scraper.',
          ),
        density: decimal(0.001, 1)
          .default(0.1)
          .describe('Share of a canary range answered “registered” to one cohort.'),
        cohort: z
          .enum(['account', 'bucket'])
          .default('bucket')
          .describe(
            'Who sees the same canaries: each account its own, or accounts hashed into `buckets` (fewer distinct sets, so a dump still points somewhere when many accounts pooled their results).',
          ),
        buckets: int(1, 1_000_000).default(4096).describe('Buckets of accounts, with `cohort: bucket`.'),
        rotation: duration('7d').describe('How long a cohort keeps the same canaries before they change.'),
        minLookups: int(1, 1_000_000)
          .default(2)
          .describe('Distinct canary numbers an account must look up before it counts as a signal.'),
        contribution: decimal(0, 1000).default(10).describe('Points for looking up canary numbers.'),
        honeyPrefixes: z
          .array(z.string().regex(/^\+[1-9]\d{3,13}$/, 'expected `+` and 4 to 14 digits'))
          .max(1000)
          .default([])
          .describe(
            'E.164 prefixes of blocks never allocated to anyone: a tripwire, from `minLookups` numbers there (one may be a typo).',
          ),
        honeyContribution: decimal(0, 1000)
          .default(25)
          .describe('Points for looking up a number in a honey range.'),
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
    dumpMaxBytes: int(1024, 2 ** 50)
      .default(16 * 2 ** 30)
      .describe(
        'Largest leaked dump the API takes for attribution (POST /v1/discovery/attributions), in bytes. It is spooled to a temporary file while it is scanned, so the temporary directory needs this much room.',
      ),
  })
  .strict()
  .prefault({})
  .refine(
    (c) => Object.values(c.limits).every((limit) => limit.limit >= c.batchMax),
    'every discovery.limits.*.limit must be at least discovery.batchMax, or a full batch could never pass',
  );

export type DiscoveryConfig = z.output<typeof discoveryConfig>;
