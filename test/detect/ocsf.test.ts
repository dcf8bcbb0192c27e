import { describe, expect, it } from 'vitest';
import { loadOcsfSchema } from '../../src/detect/ocsf.js';

// Events checked at the edge against the OCSF 1.8.0 source files in data/ocsf/ and the platform's
// call and crash classes in data/ocsf-platform/.

const schema = loadOcsfSchema();
const metadata = { product: { name: 'messenger', vendor_name: 'platform' }, version: '1.8.0', uid: 'e-1' };
const envelope = (classUid: number, categoryUid: number, activityId: number) => ({
  class_uid: classUid,
  category_uid: categoryUid,
  activity_id: activityId,
  type_uid: classUid * 100 + activityId,
  severity_id: 1,
  time: Date.UTC(2026, 10, 30, 9),
  metadata,
});

const conforming = {
  authentication: {
    ...envelope(3002, 3, 1),
    user: { uid: 'acct-1' },
    service: { name: 'messenger-login' },
    src_endpoint: { ip: '198.51.100.7' },
    is_mfa: true,
  },
  account_change: { ...envelope(3001, 3, 3), user: { uid: 'acct-1', name: 'Ana' } },
  api_activity: {
    ...envelope(6003, 6, 2),
    actor: { user: { uid: 'eng-7' } },
    api: { operation: 'profile.read' },
    src_endpoint: { ip: '10.0.0.8' },
    observables: [{ name: 'actor.user.uid', type_id: 21, value: 'eng-7' }],
  },
  datastore_activity: {
    ...envelope(6005, 6, 2),
    actor: { user: { uid: 'eng-7' } },
    src_endpoint: { hostname: 'jump-3' },
    database: { name: 'contacts', type_id: 1 },
  },
  call: {
    ...envelope(99_006_001, 6, 1),
    call_uid: 'call-9',
    caller: { uid: 'acct-unknown' },
    callee: { uid: 'acct-protected' },
    signaling_size: 48_213,
    signaling_malformed: true,
    caller_known: false,
    codec: 'opus/48000/2',
  },
  crash: { ...envelope(99_006_002, 6, 1), crash_signature: 'sig-4f1c', user: { uid: 'acct-protected' } },
};

describe('OCSF schema from its source files', () => {
  it('knows the classes Custos takes in, with their category and required attributes', () => {
    const byName = Object.fromEntries([...schema.classes.values()].map((c) => [c.name, c]));
    expect(byName.authentication).toMatchObject({ uid: 3002, categoryUid: 3 });
    expect(byName.api_activity).toMatchObject({ uid: 6003, categoryUid: 6 });
    expect(byName.detection_finding).toMatchObject({ uid: 2004, categoryUid: 2 });
    expect(byName.call).toMatchObject({ uid: 99_006_001, categoryUid: 6 });
    const required = (name: string) =>
      [...(byName[name]?.attributes ?? [])].filter(([, a]) => a.requirement === 'required').map(([n]) => n);
    // Inherited from base_event, and the class's own.
    expect(required('authentication')).toEqual(
      expect.arrayContaining(['class_uid', 'metadata', 'time', 'severity_id', 'type_uid', 'user']),
    );
    expect(required('api_activity')).toEqual(expect.arrayContaining(['actor', 'api', 'src_endpoint']));
    expect(required('crash')).toEqual(expect.arrayContaining(['crash_signature', 'user']));
  });

  it('passes a conforming event of every class', () => {
    for (const [name, event] of Object.entries(conforming)) expect(schema.check(event), name).toEqual([]);
  });

  it('names each problem with its path', () => {
    const auth = conforming.authentication;
    expect(schema.check({ ...auth, user: undefined })).toEqual([
      { path: 'user', message: 'required by authentication' },
    ]);
    expect(schema.check({ ...auth, time: '2026-11-30T09:00:00Z' })).toEqual([
      { path: 'time', message: 'expected timestamp_t (integer)' },
    ]);
    expect(schema.check({ ...auth, is_mfa: 'yes' })).toEqual([
      { path: 'is_mfa', message: 'expected boolean_t (boolean)' },
    ]);
    expect(schema.check({ ...auth, usr: 'typo' })).toEqual([
      { path: 'usr', message: 'not an attribute of authentication; put extra fields in unmapped' },
    ]);
    expect(schema.check({ ...auth, unmapped: { anything: [1, { deep: true }] } })).toEqual([]);
    // Inside objects: their own attributes, types and constraints.
    expect(schema.check({ ...auth, user: { uid: 7 } })).toEqual([
      { path: 'user.uid', message: 'expected string_t (string)' },
    ]);
    expect(schema.check({ ...auth, user: { email: 'a@b.c' } })).toEqual([
      { path: 'user.email', message: 'not an attribute of user' },
      { path: 'user', message: 'user needs at least one of account, name, uid' },
    ]);
    expect(schema.check({ ...conforming.api_activity, api: {} })).toEqual([
      { path: 'api.operation', message: 'required by api' },
    ]);
    expect(schema.check({ ...conforming.api_activity, observables: { name: 'x' } })).toEqual([
      { path: 'observables', message: 'expected an array' },
    ]);
    expect(
      schema.check({ ...conforming.api_activity, observables: [{ name: 'x', type_id: 'one' }] }),
    ).toEqual([{ path: 'observables[0].type_id', message: 'expected integer_t (integer)' }]);
    const { service: _service, ...noService } = auth;
    expect(schema.check(noService)).toEqual([
      { path: '(event)', message: 'authentication needs at least one of service, dst_endpoint' },
    ]);
  });

  it('checks that the derived uids follow from class and activity', () => {
    expect(schema.check({ ...conforming.call, type_uid: 300_201 })).toEqual([
      { path: 'type_uid', message: 'must be class_uid × 100 + activity_id = 9900600101' },
    ]);
    expect(schema.check({ ...conforming.crash, category_uid: 3 })).toEqual([
      { path: 'category_uid', message: 'must be 6 for crash' },
    ]);
  });

  it('refuses what is not an event of a known class, and caps the problems it lists', () => {
    expect(schema.check([])).toEqual([{ path: '(event)', message: 'expected a JSON object' }]);
    expect(schema.check({ class_uid: 1001 })[0]?.message).toMatch(
      /^not a class Custos takes in \(2003, 2004/,
    );
    const junk = {
      ...conforming.authentication,
      ...Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x${i}`, i])),
    };
    expect(schema.check(junk)).toHaveLength(10);
    expect(schema.check(junk, 50)).toHaveLength(30);
  });
});
