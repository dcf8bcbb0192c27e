import { describe, expect, it } from 'vitest';
import { distanceKm } from '../../src/ato/rules.travel.js';
import type { AccountHistory, AuthEvent, Features } from '../../src/ato/types.js';
import {
  berlin,
  codes,
  d,
  event,
  features,
  h,
  history,
  m,
  memoryRules,
  newYork,
  T0,
} from '../support/ato.js';

const inNewYork = (overrides: Parameters<typeof features>[0] = {}): Features =>
  features({
    ...overrides,
    ip: { ...newYork, country: 'US', city: 'New York', address: '192.0.2.44', ...overrides.ip },
  });

async function findings(
  e: AuthEvent,
  f: Features = features(),
  past: AccountHistory | undefined = history(),
) {
  return memoryRules().evaluate(e, f, past);
}

describe('impossible travel', () => {
  it('measures Berlin to New York as 6,385 km on the great circle', () => {
    // Haversine with the mean Earth radius 6,371.0088 km: 6,385.01 km.
    expect(distanceKm(berlin.latitude, berlin.longitude, newYork.latitude, newYork.longitude)).toBeCloseTo(
      6385.01,
      1,
    );
  });

  it('flags Berlin an hour ago and New York now: 6,385 km/h is faster than 900', async () => {
    const answer = await findings(event({ type: 'login', outcome: 'success' }), inNewYork());
    expect(codes(answer)).toEqual(['travel.impossible', 'geo.country_mismatch']);
    expect(answer.reasons[0]?.message).toMatch(/^6385 km .* in 1\.0 h \(6385 km\/h\)/);
    expect(answer.reasons[0]?.contribution).toBe(2);
  });

  it('accepts Berlin to New York in 10 hours: 638.5 km/h', async () => {
    const answer = await findings(
      event({ type: 'login', outcome: 'success' }),
      inNewYork(),
      history({ lastLocation: { time: T0 - 10 * h, ...berlin, country: 'DE' } }),
    );
    expect(codes(answer)).toEqual(['geo.country_mismatch']);
  });

  it('draws the line at 900 km/h: 6,385.01 km needs 7.0945 h', async () => {
    // 6,385.01 / 900 = 7.09446 h = 25,540 s: 25,500 s is too fast, 25,600 s is not.
    const at = (seconds: number) =>
      findings(
        event({ type: 'login', outcome: 'success' }),
        inNewYork(),
        history({ lastLocation: { time: T0 - seconds * 1000, ...berlin } }),
      );
    expect(codes(await at(25_500))).toContain('travel.impossible');
    expect(codes(await at(25_600))).not.toContain('travel.impossible');
  });

  it('ignores moves within a city, however fast', async () => {
    // 52.52,13.405 to 52.5,13.3: 7.4 km, under the 100 km floor, in one minute.
    const answer = await findings(
      event({ type: 'login', outcome: 'success' }),
      features({ ip: { latitude: 52.5, longitude: 13.3 } }),
      history({ lastLocation: { time: T0 - m, ...berlin } }),
    );
    expect(answer.reasons).toEqual([]);
  });

  it('measures a late event over the time between the two, whichever came first', async () => {
    const answer = await findings(
      event({ type: 'login', outcome: 'success' }),
      inNewYork(),
      history({ lastLocation: { time: T0 + h, ...berlin } }),
    );
    expect(codes(answer)).toContain('travel.impossible');
  });

  it('ignores coordinates that are not on Earth', async () => {
    for (const ip of [
      { latitude: 200, longitude: 0 },
      { latitude: Number.NaN, longitude: 0 },
      { latitude: undefined },
    ]) {
      const answer = await findings(event({ type: 'login', outcome: 'success' }), features({ ip }));
      expect(codes(answer)).not.toContain('travel.impossible');
    }
  });
});

describe('signals of one event', () => {
  const login = event({ type: 'login', outcome: 'success' });

  it.each([
    ['a hosting network', { ip: { hosting: true } }, ['ip.hosting'], 1.5],
    ['a private address', { ip: { kind: 'private' as const } }, ['ip.private'], 1],
    ['a reserved address', { ip: { kind: 'reserved' as const } }, ['ip.reserved'], 1],
    ['an address that does not parse', { ip: { kind: 'invalid' as const } }, ['ip.invalid'], 1.5],
    ['no address', { ip: { kind: 'absent' as const } }, ['ip.absent'], 0.5],
    ['a bot', { agent: { deviceType: 'bot' as const } }, ['agent.bot'], 2.5],
    ['an unknown user agent', { agent: { status: 'unparsed' as const } }, ['agent.unparsed'], 0.7],
    ['no user agent', { agent: { status: 'absent' as const } }, ['agent.absent'], 0.5],
    ['a number from elsewhere', { phone: { country: 'FR' } }, ['geo.country_mismatch'], 0.7],
  ])('gives %s its reason', async (_case, overrides, expected, contribution) => {
    const answer = await findings(login, features(overrides));
    expect(codes(answer)).toEqual(expected);
    expect(answer.reasons[0]?.contribution).toBe(contribution);
    expect(answer.verdicts).toEqual([]);
  });

  it('weighs a SIM swap 2 days ago strongly on registration and lightly on a login', async () => {
    const past = history({ simSwapAt: T0 - 2 * d });
    const registration = await findings(event({ type: 'registration_start' }), features(), past);
    expect(registration.reasons).toEqual([
      expect.objectContaining({ code: 'carrier.sim_swap', contribution: 3 }),
    ]);
    const signIn = await findings(login, features(), past);
    expect(signIn.reasons).toEqual([
      expect.objectContaining({ code: 'carrier.sim_swap', contribution: 0.7 }),
    ]);
  });

  it('reads a port-out from the event as well as from the history, within 7 days only', async () => {
    const within = await findings(
      event({ type: 'otp_request', carrier: { portOutAt: T0 - 7 * d } }),
      features(),
      history(),
    );
    expect(codes(within)).toEqual(['carrier.port_out']);
    for (const portOutAt of [T0 - 7 * d - 1, T0 + h]) {
      const outside = await findings(
        event({ type: 'otp_request', carrier: { portOutAt } }),
        features(),
        history(),
      );
      expect(codes(outside)).toEqual([]);
    }
  });

  it('notices a device new to the account in a country it was never seen in', async () => {
    const answer = await findings(
      event({ type: 'login', outcome: 'success', device: 'new-phone' }),
      features({ ip: { country: 'FR' }, phone: { country: 'FR' } }),
    );
    expect(codes(answer)).toEqual(['device.new_in_new_country']);
    // The owner's known device abroad, or a new device at home, is no such case.
    expect(
      codes(await findings(login, features({ ip: { country: 'FR' }, phone: { country: 'FR' } }))),
    ).toEqual([]);
    expect(codes(await findings(event({ type: 'login', outcome: 'success', device: 'new-phone' })))).toEqual(
      [],
    );
  });

  it('says nothing of the network on a carrier notice', async () => {
    const answer = await findings(
      event({ type: 'sim_change' }),
      features({ ip: { kind: 'absent' }, agent: { status: 'absent' } }),
    );
    expect(answer).toEqual({ reasons: [], verdicts: [], actions: [] });
  });
});

describe('registration on a new device', () => {
  const register = (time: number, past: AccountHistory, overrides: Partial<AuthEvent> = {}) =>
    findings(
      event({ type: 'registration_start', time, device: 'new-phone', ...overrides }),
      features(),
      past,
    );

  it('asks for approval on the active device, or the PIN when there is one', async () => {
    const plain = await register(T0, history());
    expect(codes(plain)).toEqual(['registration.active_elsewhere']);
    expect(plain.verdicts).toEqual([{ decision: 'challenge', challenges: ['old_device_approval'] }]);
  });

  it('requires the PIN (registration lock) while the active device was used within 7 days, inclusive', async () => {
    const withPin = (lastActive: number) =>
      history({ pinEnabled: true, activeDevice: { id: 'owner-phone', lastActive } });
    const atBoundary = await register(T0, withPin(T0 - 7 * d));
    expect(codes(atBoundary)).toEqual(['registration.active_elsewhere', 'registration.lock']);
    expect(atBoundary.verdicts).toEqual([
      { decision: 'challenge', challenges: ['old_device_approval', 'pin'] },
      { decision: 'challenge', challenges: ['pin'] },
    ]);
    expect(atBoundary.reasons[1]?.contribution).toBe(0);
    const justAfter = await register(T0, withPin(T0 - 7 * d - 1));
    expect(codes(justAfter)).toEqual(['registration.active_elsewhere']);
  });

  it('leaves the registered device and wrong codes alone', async () => {
    expect((await register(T0, history(), { device: 'owner-phone' })).reasons).toEqual([]);
    const wrong = await findings(
      event({ type: 'otp_verify', outcome: 'failure', device: 'new-phone' }),
      features(),
      history({ pinEnabled: true }),
    );
    expect(wrong.reasons).toEqual([]);
  });

  it('notifies the owner when a new device gets in, and starts recovery on strong signals', async () => {
    const inWith = (past: AccountHistory) =>
      findings(event({ type: 'otp_verify', outcome: 'success', device: 'new-phone' }), features(), past);
    expect((await inWith(history())).actions).toEqual(['notify_user']);
    // A SIM swap a day before (3) and an active device elsewhere (1): 4, the strong threshold.
    const swapped = await inWith(history({ simSwapAt: T0 - d }));
    expect(codes(swapped)).toEqual(['registration.active_elsewhere', 'carrier.sim_swap']);
    expect(swapped.actions).toEqual(['notify_user', 'revoke_other_sessions', 'start_recovery']);
    // The owner's own device, or a first registration (no history), recommends nothing.
    const own = await findings(
      event({ type: 'otp_verify', outcome: 'success' }),
      features(),
      history({ simSwapAt: T0 - d }),
    );
    expect(own.actions).toEqual([]);
    const first = await memoryRules().evaluate(
      event({ type: 'otp_verify', outcome: 'success', device: 'new-phone' }),
      features(),
      undefined,
    );
    expect(first.actions).toEqual([]);
  });
});
