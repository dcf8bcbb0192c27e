import type { AuthEvent } from '../../ato/types.js';
import { type Actor, hour, type SimWorld, type Step } from './actors.js';
import { attackerDevice, type Device } from './agents.js';
import { attackerPasses } from './flow.js';
import { hostingAsns } from './networks.js';
import { pumpingCountries } from './world.js';

/**
 * SMS pumping: registrations for numbers walked through a few ranges, only to make the platform
 * send codes the pumper is paid for. Codes are almost never entered. A refused number is skipped,
 * not retried: the pumper earns per message sent, not per account.
 */
export function* smsPumping(world: SimWorld, time: number, campaign: number): Actor {
  const random = world.random(`attack/sms_pumping/${campaign}`);
  const attempt = world.openAttempt('sms_pumping', undefined, time);
  // Two or three ranges, each in a different country.
  const chosen = [...pumpingCountries]
    .map((country) => ({ country, key: random.next() }))
    .sort((a, b) => a.key - b.key)
    .slice(0, random.int(2, 4))
    .map(({ country }) => world.numbers.range(random, country));
  const servers = Array.from({ length: random.int(5, 15) }, () =>
    world.addresses.draw(random, random.pick(hostingAsns)),
  );
  const until = Math.min(time + Math.round(random.between(1, 4) * hour), world.end);
  const meanGapMs = random.between(2_000, 10_000);
  let device: Device = attackerDevice(random);
  let at = time;
  for (let sent = 0; at < until; sent += 1) {
    const phone = chosen[random.int(0, chosen.length)]?.next();
    if (phone === undefined) break;
    if (sent % 20 === 0) device = attackerDevice(random);
    const address = random.pick(servers);
    const facts = world.addresses.factsFor(address);
    const step =
      (type: AuthEvent['type'], outcome?: AuthEvent['outcome']) =>
      (t: number): Step => ({
        event: {
          type,
          time: t,
          phone,
          device: device.id,
          ip: address.ip,
          userAgent: device.userAgent,
          ...(outcome ? { outcome } : {}),
        },
        ...(facts ? { facts } : {}),
        truth: { actor: 'attacker', kind: 'sms_pumping', attempt: attempt.id, decisive: false },
      });
    const start = yield step('registration_start')(at);
    if (attackerPasses(start)) {
      at += Math.round(random.between(200, 1_500));
      const request = yield step('otp_request')(at);
      if (attackerPasses(request) && random.chance(0.01)) {
        at += Math.round(random.between(5_000, 60_000));
        yield step('otp_verify', 'failure')(at);
      }
    }
    attempt.end = at;
    at += Math.round(random.exponential(meanGapMs));
  }
}
