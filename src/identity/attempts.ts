import { CustosError } from '../core/errors.js';
import type { Limiter, LimitResult, RateLimit } from '../limits/limiter.js';

export interface ThrottleSettings {
  accountFailureLimit: number;
  ipFailureLimit: number;
  windowMs: number;
}

/** A password attempt holding one unit of its account's budget and one of its client IP's. */
export interface ReservedAttempt {
  /**
   * The password was right: gives the IP's unit back and forgives the account's failures (only
   * someone who knows the password can do that). A wrong password keeps both units spent.
   */
  succeeded(): Promise<void>;
}

export type PasswordAttempts = ReturnType<typeof createPasswordAttempts>;

/**
 * The throttle on every way of trying a password (sign-in, password change), counted per
 * account and per client IP in the shared limiter, so it holds across API nodes with Redis and
 * the ways share one budget. An attempt is reserved before the password is checked: guesses sent
 * in parallel each take a unit up front, so no more than the limit of them are ever verified.
 */
export function createPasswordAttempts(deps: { limiter: Limiter; throttle: ThrottleSettings }) {
  const { limiter, throttle } = deps;
  const accountRate: RateLimit = { limit: throttle.accountFailureLimit, periodMs: throttle.windowMs };
  const ipRate: RateLimit = { limit: throttle.ipFailureLimit, periodMs: throttle.windowMs };

  return {
    /**
     * Takes one unit from the account's and the IP's budgets, or throws `auth.throttled` having
     * taken none. A limiter that does not answer fails the attempt (`limits.unavailable`).
     */
    async reserve(username: string, ip: string): Promise<ReservedAttempt> {
      const account = { key: `password:acct:${username.toLowerCase()}`, rate: accountRate };
      const client = { key: `password:ip:${ip}`, rate: ipRate };
      const budgets = [account, client];
      const settled = await Promise.allSettled(budgets.map((b) => limiter.consume(b.key, b.rate)));
      const results = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      if (results.length === budgets.length && results.every((r) => r.allowed)) {
        return {
          async succeeded() {
            await Promise.all([limiter.reset(account.key), limiter.refund(client.key, client.rate)]);
          },
        };
      }
      // A refused attempt must not spend the budget that did allow it: an attacker throttled by
      // IP would otherwise keep locking the account out without any password being checked.
      await Promise.allSettled(
        budgets.map((b, i) => {
          const outcome = settled[i];
          return outcome?.status === 'fulfilled' && outcome.value.allowed
            ? limiter.refund(b.key, b.rate)
            : undefined;
        }),
      );
      const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failure) throw failure.reason;
      throw throttled(results);
    },
  };
}

function throttled(results: LimitResult[]): CustosError {
  const retryAfterMs = Math.max(1000, ...results.map((r) => r.retryAfterMs));
  return new CustosError('auth.throttled', undefined, { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) });
}
