import { describe, expect, it } from 'vitest';
import {
  type AccessObservation,
  type BaselineAlert,
  createBaselines,
  defaultBaselineSettings,
  robust,
} from '../../src/detect/baselines.js';

// Insider baselines on event time: an engineer's day against their own history and their team's,
// first occurrences, and what normal work must never raise.

const day = 86_400_000;
const start = Date.UTC(2026, 10, 2); // a Monday
const at = (d: number, hour: number, minute = 0) => start + d * day + hour * 3_600_000 + minute * 60_000;

function access(engineer: string, when: number, subject: string, extra: Partial<AccessObservation> = {}) {
  return {
    engineer,
    team: 'support-emea',
    role: 'support',
    at: when,
    subject,
    fields: ['contact.phone'],
    purpose: 'support_ticket',
    ticket: 'T-1',
    country: 'IE',
    ...extra,
  } satisfies AccessObservation;
}

/** `count` reads of distinct subjects by one engineer on day `d`, spread over working hours. */
function workday(engineer: string, d: number, count: number, extra: Partial<AccessObservation> = {}) {
  return Array.from({ length: count }, (_, i) =>
    access(engineer, at(d, 9 + (i % 8), i % 60), `${engineer}-d${d}-s${i}`, extra),
  );
}

describe('robust statistics', () => {
  it('gives the median and the median absolute deviation', () => {
    expect(robust([])).toEqual({ median: 0, mad: 0 });
    expect(robust([5])).toEqual({ median: 5, mad: 0 });
    expect(robust([1, 2, 3, 4, 100])).toEqual({ median: 3, mad: 1 });
    expect(robust([6, 2, 8, 4])).toEqual({ median: 5, mad: 2 });
  });
});

describe('insider baselines', () => {
  it('raises one volume alert that explains itself when an engineer reads far more than usual', () => {
    const baselines = createBaselines();
    const alerts: BaselineAlert[] = [];
    const team = ['ana', 'ben', 'cat', 'dan'];
    for (let d = 0; d < 10; d++) {
      for (const [i, engineer] of team.entries()) {
        for (const o of workday(engineer, d, 5 + ((d + i) % 4))) alerts.push(...baselines.observe(o));
      }
    }
    expect(alerts).toEqual([]);
    const spree = workday('ana', 10, 140);
    const raised = spree.flatMap((o) => baselines.observe(o));
    expect(raised.map((a) => a.signal)).toEqual(['baseline.subjects_volume']);
    const [alert] = raised as [BaselineAlert];
    expect(alert).toMatchObject({ engineer: 'ana', team: 'support-emea', day: at(10, 0) });
    expect(alert.message).toMatch(
      /^read \d+ distinct subjects today; own median \d+(\.5)?, team median \d+(\.5)?$/,
    );
    // It fires when the day crosses the line, not at its end, and once.
    expect(alert.figures.today as number).toBeLessThan(140);
    expect(alert.figures.today as number).toBeGreaterThanOrEqual(defaultBaselineSettings.minSubjects);
  });

  it('raises nothing for ordinary variation across a team over four weeks', () => {
    const baselines = createBaselines();
    const team = Array.from({ length: 12 }, (_, i) => `eng-${i}`);
    let alerts = 0;
    for (let d = 0; d < 28; d++) {
      if (d % 7 >= 5) continue; // weekends off
      for (const [i, engineer] of team.entries()) {
        // Busy days happen: 5 to 40 subjects (over the 25 below which nothing is raised at all).
        const count = 5 + ((d * 7 + i * 5) % 36);
        for (const o of workday(engineer, d, count)) alerts += baselines.observe(o).length;
      }
    }
    expect(alerts).toBe(0);
    expect(baselines.stats()).toMatchObject({ engineers: 12, peerGroups: 1, late: 0 });
  });

  it('judges a newcomer by the team until their own history is long enough', () => {
    const baselines = createBaselines();
    for (let d = 0; d < 6; d++) for (const o of workday('old-hand', d, 8)) baselines.observe(o);
    const calm = workday('newcomer', 6, 12).flatMap((o) => baselines.observe(o));
    expect(calm).toEqual([]);
    const spree = workday('newcomer', 7, 90).flatMap((o) => baselines.observe(o));
    expect(spree).toHaveLength(1);
    expect(spree[0]?.message).toMatch(/under 5 days of own history, team median 8/);
  });

  it('notes a first purpose, a first country and an hour never worked, once a history exists', () => {
    const baselines = createBaselines();
    // In the first days everything is new, and nothing is raised for it.
    const early = workday('eve', 0, 10, { purpose: 'abuse_report', country: 'DE' }).flatMap((o) =>
      baselines.observe(o),
    );
    expect(early).toEqual([]);
    for (let d = 1; d < 8; d++)
      for (const o of workday('eve', d, 10)) expect(baselines.observe(o)).toEqual([]);
    const legal = baselines.observe(access('eve', at(8, 10), 'x-1', { purpose: 'legal_request' }));
    expect(legal.map((a) => a.signal)).toEqual(['baseline.first_purpose']);
    expect(legal[0]?.message).toMatch(
      /first access for purpose "legal_request" in 8 days of history \(usual: abuse_report, support_ticket\)/,
    );
    const abroad = baselines.observe(access('eve', at(8, 11), 'x-2', { country: 'RU' }));
    expect(abroad.map((a) => a.signal)).toEqual(['baseline.first_country']);
    expect(abroad[0]?.message).toBe('first access from RU; before only from DE, IE');
    const night = baselines.observe(access('eve', at(8, 3), 'x-3'));
    expect(night.map((a) => a.signal)).toEqual(['baseline.unusual_hour']);
    expect(night[0]?.message).toMatch(
      /^access at 03:00 UTC, an hour with none of \d+ earlier accesses \(usual hours 9–16 UTC\)$/,
    );
    // Each at most once a day.
    expect(baselines.observe(access('eve', at(8, 4), 'x-4', { country: 'CN', purpose: 'export' }))).toEqual(
      [],
    );
  });

  it('counts an access of a day already closed as late, and bounds the engineers it keeps', () => {
    const baselines = createBaselines({ ...defaultBaselineSettings, maxEngineers: 3 });
    baselines.observe(access('a', at(2, 10), 's'));
    expect(baselines.observe(access('a', at(1, 10), 's'))).toEqual([]);
    expect(baselines.stats().late).toBe(1);
    for (const engineer of ['b', 'c', 'd', 'e']) baselines.observe(access(engineer, at(2, 10), 's'));
    expect(baselines.stats().engineers).toBe(3);
  });
});
