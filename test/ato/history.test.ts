import { describe, expect, it } from 'vitest';
import { isLearnable, newHistory, observeEvent } from '../../src/ato/history.js';
import { parseHistory, serializeHistory } from '../../src/ato/history.json.js';
import { distinctValues } from '../../src/ato/model.features.js';
import type { AccountHistory, AuthEvent, AuthEventType } from '../../src/ato/types.js';
import { isCustosError } from '../../src/core/errors.js';
import { login, sessionFeatures } from '../support/ato.sessions.js';

const caps = { maxValuesPerTable: 32, maxDevices: 8 };
const de = sessionFeatures({
  ip: '203.0.113.7',
  subnet: '203.0.113.0/24',
  asn: 3320,
  country: 'DE',
  hour: 9,
});

function observeIps(history: AccountHistory, steps: Array<[string, number]>, options = caps): void {
  for (const [ip, time] of steps) {
    observeEvent(history, login('acc', time), sessionFeatures({ ip, hour: 9 }), options);
  }
}

describe('which events teach the model', () => {
  it('learns from a successful login, code, PIN or device link only', () => {
    const types: AuthEventType[] = ['login', 'otp_verify', 'pin_verify', 'device_link'];
    for (const type of types) {
      expect(isLearnable({ type, time: 0, outcome: 'success' }), type).toBe(true);
      expect(isLearnable({ type, time: 0, outcome: 'failure' }), type).toBe(false);
      expect(isLearnable({ type, time: 0 }), `${type} without outcome`).toBe(false);
    }
    for (const type of ['registration_start', 'otp_request', 'sim_change', 'session_revoked'] as const) {
      expect(isLearnable({ type, time: 0, outcome: 'success' }), type).toBe(false);
    }
  });

  it('counts every feature of a successful login', () => {
    const history = observeEvent(newHistory('acc', 1000), login('acc', 1000), de, caps);
    expect(history.observations).toBe(1);
    expect({ ...history.tables }).toEqual({
      country: { DE: 1 },
      asn: { AS3320: 1 },
      subnet: { '203.0.113.0/24': 1 },
      ip: { '203.0.113.7': 1 },
      hour: { '9': 1 },
    });
  });

  it('keeps an attacker’s failed attempts out of the tables, devices, location and active device', () => {
    const history = newHistory('acc', 0);
    const failure: AuthEvent = {
      type: 'otp_verify',
      time: 500,
      account: 'acc',
      outcome: 'failure',
      device: 'evil',
    };
    observeEvent(
      history,
      failure,
      sessionFeatures({ ip: '198.51.100.1', country: 'BR', latitude: -23, longitude: -46 }),
      caps,
    );
    expect(history).toMatchObject({ observations: 0, devices: [], firstSeen: 0, lastSeen: 500 });
    expect(Object.keys(history.tables)).toEqual([]);
    expect(history.lastLocation).toBeUndefined();
    expect(history.activeDevice).toBeUndefined();
  });

  it('keeps a success out when the caller says not to learn from it, but keeps its time', () => {
    const history = observeEvent(newHistory('acc', 0), login('acc', 700), de, { ...caps, learn: false });
    expect(history.observations).toBe(0);
    expect(history.lastSeen).toBe(700);
  });

  it('refuses an event of another account', () => {
    let thrown: unknown;
    try {
      observeEvent(newHistory('acc', 0), login('other', 1), de, caps);
    } catch (error) {
      thrown = error;
    }
    expect(isCustosError(thrown, 'internal')).toBe(true);
  });
});

describe('capped tables', () => {
  const three = { maxValuesPerTable: 3, maxDevices: 8 };

  it('drops the least used value, and among equals the longest unseen, keeping the session count', () => {
    const history = newHistory('acc', 0);
    // A twice, B, C: full. D arrives: B and C have 1 each; B was seen longer ago, so B goes.
    observeIps(
      history,
      [
        ['A', 1],
        ['A', 2],
        ['B', 3],
        ['C', 4],
        ['D', 5],
      ],
      three,
    );
    expect({ ...history.tables.ip }).toEqual({ A: 2, C: 1, D: 1 });
    // C again (2), then E: D is now the only value seen once, so D goes.
    observeIps(
      history,
      [
        ['C', 6],
        ['E', 7],
      ],
      three,
    );
    expect({ ...history.tables.ip }).toEqual({ A: 2, C: 2, E: 1 });
    // Seven learnt sessions, of which the table now shows five: the dropped ones stay counted.
    expect(history.observations).toBe(7);
    // The size the scorer reads is kept through drops and survives a round trip through JSON.
    expect(distinctValues(history.tables.ip)).toBe(3);
    const read = parseHistory(serializeHistory(history), 'acc', 0).history;
    expect(distinctValues(read.tables.ip)).toBe(3);
    expect(Object.keys(read.tables.ip ?? {})).toEqual(['A', 'C', 'E']);
  });

  it('breaks a tie by the latest sighting, not the first', () => {
    const history = newHistory('acc', 0);
    // A and B twice each; A's last sighting (3) is older than B's (4), so A goes when C comes.
    observeIps(
      history,
      [
        ['A', 1],
        ['B', 2],
        ['A', 3],
        ['B', 4],
        ['C', 5],
      ],
      { maxValuesPerTable: 2, maxDevices: 8 },
    );
    expect({ ...history.tables.ip }).toEqual({ B: 2, C: 1 });
  });

  it('does not treat a late event as the latest sighting of its value', () => {
    const history = newHistory('acc', 0);
    // B was last seen at 30; A's second sighting arrives late, dated 5, so A's latest is still 10.
    observeIps(
      history,
      [
        ['A', 10],
        ['B', 20],
        ['B', 30],
        ['A', 5],
        ['C', 40],
      ],
      { maxValuesPerTable: 2, maxDevices: 8 },
    );
    expect({ ...history.tables.ip }).toEqual({ B: 2, C: 1 });
  });
});

describe('times, location and devices', () => {
  it('only widens firstSeen and lastSeen, whatever order events come in', () => {
    const history = newHistory('acc', 100);
    for (const time of [300, 50, 200]) observeEvent(history, login('acc', time), de, caps);
    expect([history.firstSeen, history.lastSeen]).toEqual([50, 300]);
  });

  it('moves the last location only forward in time', () => {
    const history = newHistory('acc', 0);
    const berlin = sessionFeatures({ ip: '203.0.113.7', country: 'DE', latitude: 52.5, longitude: 13.4 });
    const saoPaulo = sessionFeatures({
      ip: '198.51.100.1',
      country: 'BR',
      latitude: -23.5,
      longitude: -46.6,
    });
    observeEvent(history, login('acc', 100), berlin, caps);
    observeEvent(history, login('acc', 50), saoPaulo, caps);
    expect(history.lastLocation).toEqual({ time: 100, latitude: 52.5, longitude: 13.4, country: 'DE' });
    observeEvent(history, login('acc', 150), saoPaulo, caps);
    expect(history.lastLocation).toEqual({ time: 150, latitude: -23.5, longitude: -46.6, country: 'BR' });
  });

  it('keeps the most recently seen devices, ordered by last sighting', () => {
    const history = newHistory('acc', 0);
    const two = { maxValuesPerTable: 32, maxDevices: 2 };
    const seen = (device: string, time: number, country: string) =>
      observeEvent(
        history,
        login('acc', time, { device }),
        sessionFeatures({ ip: '203.0.113.7', country }),
        two,
      );
    seen('phone', 100, 'DE');
    seen('tablet', 200, 'DE');
    seen('phone', 300, 'FR');
    expect(history.devices).toEqual([
      { id: 'tablet', firstSeen: 200, lastSeen: 200, country: 'DE' },
      { id: 'phone', firstSeen: 100, lastSeen: 300, country: 'FR' },
    ]);
    // A late sighting widens firstSeen but neither moves the device nor changes its country.
    seen('phone', 50, 'BR');
    // A device older than both kept ones is the first to go.
    seen('laptop', 10, 'DE');
    expect(history.devices).toEqual([
      { id: 'tablet', firstSeen: 200, lastSeen: 200, country: 'DE' },
      { id: 'phone', firstSeen: 50, lastSeen: 300, country: 'FR' },
    ]);
    seen('laptop', 400, 'DE');
    expect(history.devices.map((d) => d.id)).toEqual(['phone', 'laptop']);
  });

  it('moves the account to the device of a verified code or PIN, and not back for a late one', () => {
    const history = newHistory('acc', 0);
    const event = (
      type: AuthEventType,
      device: string,
      time: number,
      outcome: 'success' | 'failure' = 'success',
    ) => observeEvent(history, { type, time, account: 'acc', device, outcome }, de, caps);
    event('otp_verify', 'one', 100);
    expect(history.activeDevice).toEqual({ id: 'one', lastActive: 100 });
    event('login', 'one', 200);
    expect(history.activeDevice).toEqual({ id: 'one', lastActive: 200 });
    event('login', 'two', 250); // a login elsewhere is not a registration
    expect(history.activeDevice).toEqual({ id: 'one', lastActive: 200 });
    event('pin_verify', 'two', 300);
    expect(history.activeDevice).toEqual({ id: 'two', lastActive: 300 });
    event('otp_verify', 'three', 280); // older than the activity on two
    event('otp_verify', 'four', 400, 'failure');
    expect(history.activeDevice).toEqual({ id: 'two', lastActive: 300 });
  });

  it('takes an account Custos never saw register to live on the first device it logs in from', () => {
    const history = newHistory('acc', 0);
    const login = (device: string, time: number, outcome: 'success' | 'failure' = 'success') =>
      observeEvent(history, { type: 'login', time, account: 'acc', device, outcome }, de, caps);
    login('phone', 50, 'failure'); // a failed login shows nothing
    expect(history.activeDevice).toBeUndefined();
    login('phone', 100);
    expect(history.activeDevice).toEqual({ id: 'phone', lastActive: 100 });
    login('laptop', 150); // once known, another device's login does not move it
    expect(history.activeDevice).toEqual({ id: 'phone', lastActive: 100 });
  });

  it('learns that the account has a PIN from a successful PIN check only', () => {
    const history = newHistory('acc', 0);
    observeEvent(history, { type: 'pin_verify', time: 1, account: 'acc', outcome: 'failure' }, de, caps);
    expect(history.pinEnabled).toBeUndefined();
    observeEvent(history, { type: 'pin_verify', time: 2, account: 'acc', outcome: 'success' }, de, caps);
    expect(history.pinEnabled).toBe(true);
  });

  it('keeps the latest SIM swap and port-out from any event, never later than the event reporting it', () => {
    const history = newHistory('acc', 0);
    observeEvent(history, { type: 'sim_change', time: 1000, account: 'acc' }, de, caps);
    expect(history.simSwapAt).toBe(1000);
    observeEvent(
      history,
      login('acc', 2000, { outcome: 'failure', carrier: { simSwapAt: 900, portOutAt: 1500 } }),
      de,
      caps,
    );
    expect([history.simSwapAt, history.portOutAt]).toEqual([1000, 1500]);
    observeEvent(
      history,
      { type: 'sim_change', time: 3000, account: 'acc', carrier: { simSwapAt: 9e15 } },
      de,
      caps,
    );
    expect(history.simSwapAt).toBe(3000);
  });
});

describe('stored JSON', () => {
  function fullHistory(): AccountHistory {
    const history = newHistory('acc', 0);
    observeEvent(
      history,
      { type: 'pin_verify', time: 10, account: 'acc', outcome: 'success', device: 'one' },
      de,
      caps,
    );
    observeEvent(
      history,
      login('acc', 20, { device: 'two', carrier: { simSwapAt: 5 } }),
      sessionFeatures({
        ip: '198.51.100.1',
        country: 'BR',
        latitude: -23.5,
        longitude: -46.6,
        agent: 'App/2.24',
        os: 'Android 14',
      }),
      caps,
    );
    return history;
  }

  it('reads back what it wrote', () => {
    const history = fullHistory();
    const read = parseHistory(serializeHistory(history), 'acc', 99);
    expect(read.corrupt).toBe(false);
    expect(JSON.parse(JSON.stringify(read.history))).toEqual(JSON.parse(JSON.stringify(history)));
    // The tables read back still count: the next event continues from them.
    observeEvent(read.history, login('acc', 30), de, caps);
    expect(read.history.tables.country).toEqual(expect.objectContaining({ DE: 2, BR: 1 }));
  });

  it.each([
    ['not JSON', '{"account":', 'not JSON'],
    ['another account', JSON.stringify({ ...newHistory('other', 0) }), 'the history is of another account'],
    [
      'a negative count',
      JSON.stringify({ ...newHistory('acc', 0), observations: 3, tables: { ip: { A: -1 } } }),
      'a count is not positive',
    ],
    [
      'more counted than learnt',
      JSON.stringify({ ...newHistory('acc', 0), observations: 1, tables: { ip: { A: 2 } } }),
      'a table counts more sessions than the history has',
    ],
    [
      'a latitude off the globe',
      JSON.stringify({ ...newHistory('acc', 0), lastLocation: { time: 1, latitude: 91, longitude: 0 } }),
      'bad latitude',
    ],
    [
      'times out of order',
      JSON.stringify({ ...newHistory('acc', 0), firstSeen: 5, lastSeen: 1 }),
      'lastSeen is before firstSeen',
    ],
    ['a list for an object', '[]', 'not an object'],
    ['an over-long text', `{"pad":"${'x'.repeat(600_000)}"}`, 'the stored text is too long'],
  ])('replaces a corrupt history (%s) with a fresh one and says why', (_, text, reason) => {
    const read = parseHistory(text, 'acc', 1234);
    expect(read).toEqual({ history: newHistory('acc', 1234), corrupt: true, reason });
  });

  it('drops fields it does not know and keeps a __proto__ value as plain data', () => {
    const text = `{"account":"acc","observations":1,"firstSeen":0,"lastSeen":0,"devices":[],"extra":true,"tables":{"agent":{"__proto__":1}}}`;
    const read = parseHistory(text, 'acc', 0);
    expect(read.corrupt).toBe(false);
    expect(read.history).not.toHaveProperty('extra');
    expect(Object.entries(read.history.tables.agent ?? {})).toEqual([['__proto__', 1]]);
    expect(Object.getPrototypeOf(read.history.tables.agent)).toBeNull();
  });
});
