import {
  type CounterResult,
  type Counters,
  limitOpen,
  type PlannedOp,
  paceResult,
  planBatch,
  type RawWindow,
  type ResultsOf,
  windowSums,
} from './counters.js';
import { countersScript } from './counters.lua.js';
import { connectRedis, type RedisConnectionOptions } from './redis.client.js';

export type RedisCountersOptions = RedisConnectionOptions;

interface CountersCommands {
  custosCounters(numKeys: number, ...keysAndArgs: string[]): Promise<number[][]>;
}

/** The KEYS and ARGV of one op, in the layout counters.lua.ts reads. */
function encode(op: PlannedOp, storage: string): { keys: string[]; args: string[] } {
  switch (op.type) {
    case 'count': {
      const { bucketMs, n, ttlMs } = op.shape;
      return { keys: [storage + op.store], args: ['c', `${bucketMs}`, `${n}`, `${op.add}`, `${ttlMs}`] };
    }
    case 'distinct': {
      const { bucketMs, n, windowMs, ttlMs } = op.shape;
      return {
        keys: [storage + op.store, storage + op.memberStore],
        args: ['d', `${bucketMs}`, `${n}`, `${windowMs}`, op.add ? '1' : '0', `${ttlMs}`],
      };
    }
    case 'pace': {
      const mode = { if_open: 'o', always: 'a', never: 'n' }[op.record];
      const args = ['p', mode, `${op.limits.length}`, `${op.previousTtlMs}`];
      for (const limit of op.limits) {
        const { bucketMs, n, ttlMs } = limit.shape;
        args.push(`${bucketMs}`, `${n}`, `${limit.max}`, `${ttlMs}`, `${limit.delaysMs.length}`);
        args.push(...limit.delaysMs.map(String));
      }
      return { keys: [storage + op.previousStore, ...op.limits.map((l) => storage + l.store)], args };
    }
  }
}

/** The result of one op from the script's reply; checks pace's open against limitOpen. */
function decode(op: PlannedOp, reply: number[], time: number): CounterResult {
  const values = reply.map(Number);
  switch (op.type) {
    case 'count': {
      const [wrote, ...raw] = values;
      const { past, later } = windowSums(raw, op.shape.n);
      return { type: 'count', count: past + (wrote === 1 ? op.add : 0), later };
    }
    case 'distinct': {
      const [seen, wrote, ...raw] = values;
      const { past, later } = windowSums(raw, op.shape.n);
      return { type: 'distinct', count: past + (wrote === 1 ? 1 : 0), later, seen: seen === 1 };
    }
    case 'pace': {
      const [open, recorded, stored, ...rest] = values;
      const previous = stored === -1 ? undefined : stored;
      const raws: RawWindow[] = [];
      for (const limit of op.limits) raws.push(rest.splice(0, 2 * limit.shape.n + 1));
      const result = paceResult(op, raws, previous, recorded === 1, time);
      const expected = op.limits.every((limit, i) =>
        limitOpen(
          limit,
          (raws[i] as RawWindow).reduce((a, b) => a + b, 0),
          previous,
          time,
        ),
      );
      // Both sides run the same test; disagreement means a foreign value in a key. A plain Error,
      // so the caller answers a generic 500 and the values go to the log only.
      if (expected !== (open === 1)) {
        throw new Error(
          `the Redis counters script and limitOpen disagree (open ${open}, previous ${stored})`,
        );
      }
      return result;
    }
  }
}

/**
 * Counters shared by every node through Redis or Valkey. Storage keys are
 * `${keyPrefix}{${key}}|…`: everything of one counter key shares the hash tag, hence one Cluster
 * slot, and one script call runs all of a batch's ops on that key atomically. A batch touching
 * several keys sends one script call per key in the same tick, without waiting for any reply:
 * ioredis writes them back to back on one connection (coalesced into one write with
 * `enableAutoPipelining`), so a decision costs one round trip. On a Cluster the calls go to the
 * nodes owning their slots in parallel, still one round trip of latency; each key's ops stay atomic
 * but the batch as a whole is not a transaction, so a failure half-way may leave some keys written
 * (they only count more). Any failure rejects with limits.unavailable.
 */
export function createRedisCounters(options: RedisCountersOptions): Counters {
  const connection = connectRedis(options, 'counters', {
    down: 'Redis counters unavailable: decisions that need them get limits.unavailable until it answers',
    up: 'Redis counters answer again',
  });
  const { client, call } = connection;
  client.defineCommand('custosCounters', { lua: countersScript });
  const commands = client as typeof client & CountersCommands;

  return {
    async run(time, ops) {
      const planned = planBatch(time, ops);
      const groups = new Map<string, number[]>();
      planned.forEach((op, index) => {
        const group = groups.get(op.key);
        if (group) group.push(index);
        else groups.set(op.key, [index]);
      });
      const results: CounterResult[] = new Array(planned.length);
      if (planned.length === 0) return results as ResultsOf<typeof ops>;
      const calls = [...groups].map(([key, indexes]) => {
        const storage = `${options.keyPrefix}{${key}}`;
        const keys: string[] = [];
        const args: string[] = [`${time}`];
        for (const index of indexes) {
          const encoded = encode(planned[index] as PlannedOp, storage);
          keys.push(...encoded.keys);
          args.push(...encoded.args);
        }
        return commands.custosCounters(keys.length, ...keys, ...args);
      });
      const replies = await call(() => Promise.all(calls));
      [...groups.values()].forEach((indexes, g) => {
        const reply = replies[g] as number[][];
        indexes.forEach((index, i) => {
          results[index] = decode(planned[index] as PlannedOp, reply[i] as number[], time);
        });
      });
      return results as ResultsOf<typeof ops>;
    },
    close: () => connection.close(),
  };
}
