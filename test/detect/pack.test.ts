import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { shippedRules } from '../../src/cli/detect.js';
import { buildProgram } from '../../src/cli/program.js';
import { createEvent } from '../../src/core/events.js';
import type { Alert } from '../../src/detect/alerts.js';
import { loadRules } from '../../src/detect/sigma/index.js';

const t0 = Date.UTC(2026, 0, 5, 9);
const minute = 60_000;
const day = 86_400_000;

let n = 0;
/** An engineer's read of a user's data, as Custos records it (Datastore Activity, Read). */
function read(at: number, engineer: string, subject: string, extra: Record<string, unknown> = {}) {
  return createEvent({
    uid: `evt_${++n}`,
    topic: 'access.read',
    classUid: 6005,
    activityId: 2,
    time: at,
    message: `${engineer} read ${subject}`,
    actor: { user: { uid: engineer } },
    payload: {
      subject,
      decision: 'permit',
      fields: ['contact.phone'],
      purpose: 'support',
      ticket: `SUP-${subject}`,
      team: 'support',
      role: 'agent',
      ...extra,
    },
  });
}

/**
 * Two weeks of ordinary support work by six engineers (each reads a handful of different people a
 * day under their tickets, in working hours), with one instance of each misuse the insider rules
 * are for, by an engineer of their own.
 */
function fortnight() {
  const events: ReturnType<typeof read>[] = [];
  for (let d = 0; d < 14; d++) {
    for (let e = 0; e < 6; e++) {
      for (let s = 0; s < 4 + ((d * 7 + e) % 6); s++) {
        events.push(read(t0 + d * day + (e * 31 + s * 47) * minute, `eng-${e}`, `usr-${d}-${e}-${s}`));
      }
    }
  }
  const misuse = t0 + 3 * day + 2 * 60 * minute;
  events.push(read(misuse, 'curious', 'celebrity', { protected: true }));
  events.push(read(misuse, 'nosy', 'usr-manager', { relation: 'manager_chain' }));
  events.push(read(misuse, 'hasty', 'usr-untracked', { ticket: undefined }));
  events.push(read(misuse, 'exporter', 'usr-bulk', { export: true }));
  for (let s = 0; s < 60; s++) events.push(read(misuse + s * 30_000, 'collector', `bulk-${s}`));
  for (const [i, ticket] of ['SUP-a', 'SUP-b', 'SUP-c'].entries())
    events.push(read(misuse + i * 2 * day, 'stalker', 'usr-ex', { ticket }));
  return events.sort((a, b) => a.time - b.time);
}

describe('the shipped insider rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-pack-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('load without a problem', async () => {
    const loaded = await loadRules(shippedRules);
    expect(loaded.errors).toEqual([]);
    expect(loaded.warnings).toEqual([]);
    expect(loaded.rules.length).toBeGreaterThanOrEqual(7);
  });

  it('catch each misuse once, about the right engineer, and nothing in a fortnight of normal work', async () => {
    const file = join(dir, 'events.jsonl');
    writeFileSync(
      file,
      `${fortnight()
        .map((e) => JSON.stringify(e))
        .join('\n')}\nnot json\n`,
    );
    const out: string[] = [];
    const io: Io = { out: (text) => out.push(text), err: () => undefined, readStdin: async () => '' };
    const alertsFile = join(dir, 'alerts.jsonl');
    await buildProgram(io)
      .exitOverride()
      .parseAsync(['node', 'custos', '--json', 'detect', 'replay', file, '--out', alertsFile]);
    const summary = JSON.parse(out.join('\n'));
    expect(summary).toMatchObject({ bad: 1, ruleErrors: [] });
    const alerts = readFileSync(alertsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Alert);
    const raised = alerts.map((a) => `${a.entity}: ${a.title}`).sort();
    expect(raised).toEqual(
      [
        "curious: Read of a protected person's data",
        "nosy: Engineer read their own, a colleague's or their manager chain's data",
        'hasty: Read of user data without a ticket',
        'exporter: Export of user data',
        'actor.user.uid=collector: Engineer read many different people within an hour',
        // The collector is new: the team's baseline judges them, and 60 people is far above it.
        'collector: Engineer read far more people than usual',
        'actor.user.uid=stalker, unmapped.subject=usr-ex: One person read repeatedly by one engineer under different tickets',
      ].sort(),
    );
    expect(alerts.every((a) => a.eventIds.length > 0 && a.status === 'new')).toBe(true);
  });

  it('leaves a broken rule out, says where it is wrong, and runs the others', async () => {
    const rules = join(dir, 'rules');
    const file = join(dir, 'one.jsonl');
    writeFileSync(file, `${JSON.stringify(read(t0, 'curious', 'celebrity', { protected: true }))}\n`);
    const { mkdirSync, copyFileSync } = await import('node:fs');
    mkdirSync(rules, { recursive: true });
    copyFileSync(join(shippedRules, 'insider', 'protected-subject.yml'), join(rules, 'good.yml'));
    writeFileSync(
      join(rules, 'broken.yml'),
      'title: Broken\nlogsource:\n  category: datastore_activity\ndetection:\n  selection:\n    unmapped.x|shout: 1\n  condition: selection\n',
    );
    const out: string[] = [];
    const io: Io = { out: (text) => out.push(text), err: () => undefined, readStdin: async () => '' };
    await buildProgram(io)
      .exitOverride()
      .parseAsync(['node', 'custos', 'detect', 'replay', file, '--rules', rules]);
    const text = out.join('\n');
    expect(text).toMatch(/1 alerts .*: high 1/);
    expect(text).toMatch(/1 rule problems \(those rules were left out\):\n {2}broken\.yml:6: .*shout/);
  });
});
