import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RequestFacts } from '../../src/access/policy.js';
import {
  callAs,
  createTestCustos,
  type Person,
  sessionHeaders,
  signedInPerson,
  type TestCustos,
} from '../support/app.js';
import { backends } from '../support/services.js';

const facts: RequestFacts = {
  purpose: 'support',
  tier: 2,
  fields: ['profile.photo'],
  operations: ['read'],
  subjectCount: 1,
  durationSeconds: 3600,
  protectedSubjects: false,
  ticketFiledBySubject: true,
};
const oneApproval = { approvals: 1, securityApprovals: 0, managementApprovals: 0 };

const stricter = `
@id("tier-two-needs-two")
@reason("Tier 2 fields need two approvers.")
forbid (principal, action == Custos::Action::"grant", resource)
when { resource.tier >= 2 && context.approvals < 2 };
`;

describe.each(backends)('admin endpoints on %s', (backend) => {
  let t: TestCustos;
  let root: Person;
  let ada: Person;
  let erin: Person;

  beforeEach(async () => {
    t = await createTestCustos(backend);
    [root, ada, erin] = await Promise.all([
      signedInPerson(t.custos, 'root', ['admin']),
      signedInPerson(t.custos, 'ada', ['admin']),
      signedInPerson(t.custos, 'erin', ['engineer']),
    ]);
  });
  afterEach(async () => {
    await t.dispose();
  });

  const grantFile = async () => {
    const response = await callAs(t.custos, root, 'GET', '/v1/access/policies/files');
    expect(response.statusCode).toBe(200);
    const { files } = response.json() as { files: Array<{ name: string; text: string; version: number }> };
    return files.find((f) => f.name === 'grant') as { name: string; text: string; version: number };
  };
  const allowedWithOneApproval = () =>
    t.custos.approvalPolicy.evaluate(
      'grant',
      { id: 'usr_x', roles: ['engineer'] },
      { id: 'r', facts },
      oneApproval,
    ).allowed;

  it('checks a policy edit against the schema and says at which line it fails', async () => {
    const grant = await grantFile();
    const good = await callAs(t.custos, root, 'POST', '/v1/access/policies/validate', {
      name: 'grant',
      text: grant.text + stricter,
    });
    expect(good.json()).toEqual({ valid: true, problems: [] });

    const broken = grant.text.replace('context.approvals >= 1', 'context.aprovals >= 1');
    const line = broken.split('\n').findIndex((l) => l.includes('aprovals')) + 1;
    const bad = await callAs(t.custos, root, 'POST', '/v1/access/policies/validate', {
      name: 'grant',
      text: broken,
    });
    expect(bad.statusCode).toBe(200);
    const body = bad.json() as {
      valid: boolean;
      problems: Array<{ name: string; line: number; message: string }>;
    };
    expect(body.valid).toBe(false);
    expect(body.problems).toEqual([
      expect.objectContaining({ name: 'grant', line, message: expect.stringMatching(/aprovals/) }),
    ]);

    const syntax = await callAs(t.custos, root, 'POST', '/v1/access/policies/validate', {
      name: 'grant',
      text: `${grant.text}\nforbid (principal, action resource);`,
    });
    expect((syntax.json() as { problems: Array<{ line: number }> }).problems[0]?.line).toBe(
      grant.text.split('\n').length + 1,
    );
  });

  it('saves a valid edit as a new version that decides the next request, with an event and a ledger record', async () => {
    expect(allowedWithOneApproval()).toBe(true);
    const grant = await grantFile();
    const saved = await callAs(t.custos, root, 'PUT', '/v1/access/policies/grant', {
      text: grant.text + stricter,
      baseVersion: 0,
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().file).toMatchObject({ name: 'grant', version: 1, savedBy: root.id });
    // In force at once, no restart.
    expect(allowedWithOneApproval()).toBe(false);
    expect(t.custos.approvalPolicy.policies().map((p) => p.id)).toContain('tier-two-needs-two');
    expect((await grantFile()).version).toBe(1);

    // An edit from a stale version is refused rather than overwriting the newer one.
    const stale = await callAs(t.custos, ada, 'PUT', '/v1/access/policies/grant', {
      text: grant.text,
      baseVersion: 0,
    });
    expect(stale.statusCode).toBe(409);

    await t.custos.dispatcher.runOnce();
    const records = await t.custos.store.db
      .selectFrom('ledger_records')
      .select('body')
      .where('record_type', '=', 'access.policy.saved')
      .execute();
    expect(records).toHaveLength(1);
    // The record names the saved text by its hash, which anyone holding the text can check.
    expect(records[0]?.body).toContain(saved.json().file.sha256);
    const stored = await t.custos.store.db.selectFrom('access_policy_versions').selectAll().execute();
    expect(stored).toEqual([expect.objectContaining({ name: 'grant', created_by: root.id })]);

    // Everyone reading the policies in force sees the new one.
    const again = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/access/policies',
      headers: sessionHeaders(erin.auth),
    });
    expect(again.json().policies.map((p: { id: string }) => p.id)).toContain('tier-two-needs-two');
  });

  it('never saves a policy set that fails validation', async () => {
    const grant = await grantFile();
    const response = await callAs(t.custos, root, 'PUT', '/v1/access/policies/grant', {
      text: grant.text.replace('context.approvals >= 1', 'context.aprovals >= 1'),
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      code: 'access.policy_invalid',
      details: { problems: [expect.objectContaining({ name: 'grant', line: expect.any(Number) })] },
    });
    // A policy id used in another file is a problem of the whole set, also refused.
    const duplicate = await callAs(t.custos, root, 'PUT', '/v1/access/policies/extra', {
      text: '@id("one-approval")\n@reason("again")\npermit (principal, action == Custos::Action::"grant", resource);',
    });
    expect(duplicate.statusCode).toBe(422);
    expect(await t.custos.store.db.selectFrom('access_policy_versions').selectAll().execute()).toEqual([]);
    expect(allowedWithOneApproval()).toBe(true);
  });

  it('refuses policy checks and saves to anyone without access.policies.write', async () => {
    const grant = await grantFile();
    const save = await callAs(t.custos, erin, 'PUT', '/v1/access/policies/grant', { text: grant.text });
    expect(save.statusCode).toBe(403);
    const check = await callAs(t.custos, erin, 'POST', '/v1/access/policies/validate', {
      name: 'grant',
      text: '',
    });
    expect(check.statusCode).toBe(403);
    // An admin API key is not a person: policy edits stay with people.
    const { token } = await t.custos.apiKeys.create({ name: 'ops', roles: ['admin'], createdBy: 'test' });
    const byKey = await t.custos.api.app.inject({
      method: 'PUT',
      url: '/v1/access/policies/grant',
      headers: { authorization: `Bearer ${token}` },
      payload: { text: grant.text },
    });
    expect(byKey.statusCode).toBe(403);
    expect(await t.custos.store.db.selectFrom('access_policy_versions').selectAll().execute()).toEqual([]);
  });

  const patch = (who: Person, id: string, payload: Record<string, unknown>) =>
    t.custos.api.app.inject({
      method: 'PATCH',
      url: `/v1/users/${id}`,
      headers: sessionHeaders(who.auth),
      payload,
    });

  it("changes a user's roles and name, announced as an event", async () => {
    const response = await patch(root, erin.id, { roles: ['engineer', 'approver'], displayName: 'Erin E.' });
    expect(response.statusCode).toBe(200);
    expect(response.json().user).toMatchObject({ roles: ['engineer', 'approver'], displayName: 'Erin E.' });
    const events = await t.custos.store.db
      .selectFrom('outbox')
      .select('payload')
      .where('topic', '=', 'identity.user.updated')
      .where('destination', '=', 'bus')
      .execute();
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]?.payload as string).unmapped).toMatchObject({
      userId: erin.id,
      rolesBefore: ['engineer'],
      roles: ['engineer', 'approver'],
    });
    // An engineer may not change anyone.
    expect((await patch(erin, erin.id, { roles: ['admin'] })).statusCode).toBe(403);
  });

  it('refuses an admin taking the admin role from themselves, but another admin may', async () => {
    const self = await patch(root, root.id, { roles: ['auditor'] });
    expect(self.statusCode).toBe(409);
    expect(self.json().code).toBe('identity.self_demotion');
    expect((await t.custos.users.get(root.id)).roles).toEqual(['admin']);
    const other = await patch(ada, root.id, { roles: ['auditor'] });
    expect(other.statusCode).toBe(200);
    // ada is now the last admin: nobody can demote her, herself included.
    expect((await patch(ada, ada.id, { roles: ['auditor'] })).json().code).toBe('identity.self_demotion');
    const disableSelf = await callAs(t.custos, ada, 'POST', `/v1/users/${ada.id}/disable`);
    expect(disableSelf.statusCode).toBe(409);
  });

  it('pages the user list with a cursor', async () => {
    const first = await callAs(t.custos, root, 'GET', '/v1/users?limit=2');
    const page1 = first.json() as { users: Array<{ id: string }>; nextCursor: string | null };
    expect(page1.users).toHaveLength(2);
    expect(page1.nextCursor).toBe(page1.users[1]?.id);
    const second = await callAs(t.custos, root, 'GET', `/v1/users?limit=2&after=${page1.nextCursor}`);
    const page2 = second.json() as { users: Array<{ id: string }>; nextCursor: string | null };
    expect(page2.users).toHaveLength(1);
    expect(page2.nextCursor).toBeNull();
  });
});
