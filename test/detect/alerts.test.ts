import { describe, expect, it } from 'vitest';
import { createEvent } from '../../src/core/events.js';
import { type AlertCandidate, createAlertGrouper, detectionFinding } from '../../src/detect/alerts.js';
import { createBaselines } from '../../src/detect/baselines.js';
import { accessObservationOf, createDetector, entityOf } from '../../src/detect/detector.js';
import { loadOcsfSchema } from '../../src/detect/ocsf.js';
import { createRuleEngine } from '../../src/detect/sigma/engine.js';
import { load, yaml } from './sigma/support.js';

const t0 = Date.UTC(2026, 0, 5, 9);
const minute = 60_000;

const candidate = (over: Partial<AlertCandidate> = {}): AlertCandidate => ({
  source: 'rule',
  key: 'rule-1',
  title: 'Rule one',
  severity: 'medium',
  entity: 'eng-1',
  time: t0,
  message: 'read a protected subject',
  eventIds: ['e1'],
  attack: { tactics: ['collection'], techniques: ['T1213'] },
  ...over,
});

function grouper(options: Parameters<typeof createAlertGrouper>[0]['settings'] = {}, suppressions = []) {
  let n = 0;
  return createAlertGrouper({
    newId: () => `alr_${++n}`,
    settings: options,
    suppressions: () => suppressions,
  });
}

describe('alert grouping', () => {
  it('joins repeats of one rule about one entity within the window, and opens a new alert after it', () => {
    const g = grouper({ groupWindowMs: 60 * minute });
    expect(g.raise(candidate()).outcome).toBe('created');
    const second = g.raise(candidate({ time: t0 + 30 * minute, eventIds: ['e2'], severity: 'high' }));
    expect(second).toMatchObject({
      outcome: 'grouped',
      alert: {
        id: 'alr_1',
        count: 2,
        first: t0,
        last: t0 + 30 * minute,
        eventIds: ['e1', 'e2'],
        severity: 'high',
      },
    });
    // Another engineer, another rule: their own alerts.
    expect(g.raise(candidate({ entity: 'eng-2', time: t0 + 31 * minute })).outcome).toBe('created');
    expect(g.raise(candidate({ key: 'rule-2', time: t0 + 31 * minute })).outcome).toBe('created');
    // 91 minutes after the last repeat: a new alert.
    const later = g.raise(candidate({ time: t0 + 121 * minute }));
    expect(later).toMatchObject({ outcome: 'created', alert: { id: 'alr_4', count: 1 } });
    expect(g.stats()).toEqual({ created: 4, grouped: 1, suppressed: 0, openGroups: 3 });
  });

  it('keeps at most maxEvidence event ids and forgets the oldest group beyond maxGroups', () => {
    const g = grouper({ maxEvidence: 3, maxGroups: 2 });
    for (let i = 0; i < 5; i++) g.raise(candidate({ time: t0 + i, eventIds: [`e${i}`] }));
    expect(g.open()[0]?.eventIds).toEqual(['e0', 'e1', 'e2']);
    g.raise(candidate({ entity: 'b' }));
    g.raise(candidate({ entity: 'c' }));
    expect(g.open().map((a) => a.entity)).toEqual(['b', 'c']);
  });

  it('drops candidates a suppression covers until it expires, and counts them', () => {
    const suppressions = [
      { id: 'sup_1', key: 'rule-1', entity: 'eng-1', reason: 'approved audit', expires: t0 + 60 * minute },
      { id: 'sup_2', entity: 'svc-batch', reason: 'batch job', expires: t0 + 60 * minute },
    ];
    let n = 0;
    const g = createAlertGrouper({ newId: () => `alr_${++n}`, suppressions: () => suppressions });
    expect(g.raise(candidate())).toMatchObject({ outcome: 'suppressed', suppression: { id: 'sup_1' } });
    expect(g.raise(candidate({ key: 'other', entity: 'svc-batch' }))).toMatchObject({
      outcome: 'suppressed',
      suppression: { id: 'sup_2' },
    });
    expect(g.raise(candidate({ entity: 'eng-2' })).outcome).toBe('created');
    expect(g.raise(candidate({ time: t0 + 61 * minute })).outcome).toBe('created');
    expect(g.stats().suppressed).toBe(2);
  });

  it('exports an alert as an OCSF Detection Finding that the OCSF schema accepts', () => {
    const g = grouper();
    g.raise(candidate());
    const raised = g.raise(candidate({ time: t0 + minute, eventIds: ['e2'] }));
    if (raised.outcome === 'suppressed') throw new Error('not suppressed');
    const { alert } = raised;
    const finding = detectionFinding(alert, { name: 'Custos', version: '0.1.0' });
    expect(loadOcsfSchema().check(finding)).toEqual([]);
    expect(finding).toMatchObject({
      class_uid: 2004,
      type_uid: 200402,
      severity_id: 3,
      finding_info: { uid: 'alr_1', first_seen_time: t0, last_seen_time: t0 + minute },
      evidences: [
        { uid: 'e1', data: { event_uid: 'e1' } },
        { uid: 'e2', data: { event_uid: 'e2' } },
      ],
    });
  });
});

const rules = yaml`
  title: Read of a protected subject
  id: 5f0c2a44-53a4-4a4b-9b57-3f1f0c9a0001
  level: high
  tags:
    - attack.collection
    - attack.t1213
  logsource:
    category: datastore_activity
  detection:
    selection:
      unmapped.protected: true
    condition: selection
`;

function access(at: number, engineer: string, subject: string, extra: Record<string, unknown> = {}) {
  const event = createEvent({
    uid: `evt_${engineer}_${subject}_${at}`,
    topic: 'access.check.permit',
    classUid: 6005,
    activityId: 2,
    time: at,
    message: 'read',
    actor: { user: { uid: engineer } },
    payload: {
      subject,
      fields: ['contact.phone'],
      purpose: 'support',
      ticket: 'SUP-1',
      team: 'support',
      role: 'agent',
      ...extra,
    },
  });
  return event;
}

describe('the detector', () => {
  it('reads an engineer’s access from a Datastore Activity event, and who an event is about', () => {
    const event = access(t0, 'eng-1', 'usr-9', { country: 'GB' });
    expect(accessObservationOf(event)).toEqual({
      engineer: 'eng-1',
      team: 'support',
      role: 'agent',
      at: t0,
      subject: 'usr-9',
      fields: ['contact.phone'],
      purpose: 'support',
      ticket: 'SUP-1',
      country: 'GB',
    });
    expect(accessObservationOf({ ...event, class_uid: 3002 })).toBeUndefined();
    expect(entityOf(event)).toBe('eng-1');
    expect(entityOf({ user: { uid: 'acct-1' } })).toBe('acct-1');
    expect(entityOf({ src_endpoint: { ip: '192.0.2.1' } })).toBe('192.0.2.1');
    expect(entityOf('not an event')).toBe('unknown');
  });

  it('turns rule matches and baseline signals into grouped alerts about the engineer', () => {
    const loaded = load(rules);
    expect(loaded.errors).toEqual([]);
    let n = 0;
    const detector = createDetector({
      engine: createRuleEngine(loaded.rules),
      grouper: createAlertGrouper({ newId: () => `alr_${++n}` }),
      baselines: createBaselines(),
    });
    const raised = [
      ...detector.process(access(t0, 'eng-1', 'vip', { protected: true })),
      ...detector.process(access(t0 + minute, 'eng-1', 'vip', { protected: true })),
      ...detector.process(access(t0 + 2 * minute, 'eng-1', 'usr-2')),
    ];
    expect(raised.map((r) => r.outcome)).toEqual(['created', 'grouped']);
    const alert = detector.stats().alerts;
    expect(alert).toMatchObject({ created: 1, grouped: 1 });
    const [first] = raised;
    expect(first).toMatchObject({
      alert: {
        entity: 'eng-1',
        severity: 'high',
        count: 2,
        attack: { tactics: ['collection'], techniques: ['T1213'] },
        eventIds: [`evt_eng-1_vip_${t0}`, `evt_eng-1_vip_${t0 + minute}`],
      },
    });
  });

  it('raises a baseline alert that explains itself when an engineer reads far more people than their team', () => {
    let n = 0;
    const detector = createDetector({
      engine: createRuleEngine([]),
      grouper: createAlertGrouper({ newId: () => `alr_${++n}` }),
      baselines: createBaselines(),
    });
    const day = 86_400_000;
    // Ten days of a team reading 5 to 9 people a day, then one of them reads 150 in a morning.
    for (let d = 0; d < 10; d++) {
      for (const engineer of ['eng-1', 'eng-2', 'eng-3', 'eng-4']) {
        for (let s = 0; s < 5 + ((d + engineer.length) % 5); s++)
          detector.process(access(t0 + d * day + s * minute, engineer, `usr-${d}-${s}`));
      }
    }
    const raised = [];
    for (let s = 0; s < 150; s++)
      raised.push(...detector.process(access(t0 + 10 * day + s * 10_000, 'eng-2', `bulk-${s}`)));
    const created = raised.filter((r) => r.outcome === 'created');
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({
      alert: { source: 'baseline', key: 'baseline.subjects_volume', entity: 'eng-2', severity: 'high' },
    });
    expect((created[0] as { alert: { message: string } }).alert.message).toMatch(
      /read \d+ distinct subjects today; own median \d+(\.\d+)?, team median \d+/,
    );
  });
});
