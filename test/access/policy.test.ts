import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultPolicyDir, loadApprovalPolicy, type RequestFacts } from '../../src/access/policy.js';
import { addUser, createTestCustos } from '../support/app.js';

const facts: RequestFacts = {
  purpose: 'support',
  tier: 1,
  fields: ['profile.name'],
  operations: ['read'],
  subjectCount: 1,
  durationSeconds: 3600,
  protectedSubjects: false,
  ticketFiledBySubject: true,
};
const requester = { id: 'usr_a', roles: ['engineer'] };
const noApprovals = { approvals: 0, securityApprovals: 0, managementApprovals: 0 };

describe('the shipped approval policies', () => {
  const policy = loadApprovalPolicy();

  it('load, validate against the schema, and each carry an id and a reason', () => {
    const ids = policy.policies().map((p) => p.id);
    expect(ids).toContain('never-the-requester');
    expect(ids).toContain('sensitive-needs-security-and-management');
    for (const p of policy.policies()) expect(p.reason.length).toBeGreaterThan(20);
  });

  it('grant on one approval for tier 1 and 2, and name the unmet requirement otherwise', () => {
    const one = { approvals: 1, securityApprovals: 0, managementApprovals: 0 };
    expect(policy.evaluate('grant', requester, { id: 'r', facts: { ...facts, tier: 2 } }, one)).toMatchObject(
      {
        allowed: true,
        policies: [{ id: 'one-approval', effect: 'permit' }],
      },
    );
    expect(policy.evaluate('grant', requester, { id: 'r', facts }, noApprovals)).toEqual({
      allowed: false,
      policies: [],
    });
    const tier3 = { ...facts, tier: 3 };
    // One person who is both security and management is still one approver.
    for (const context of [
      { approvals: 1, securityApprovals: 1, managementApprovals: 1 },
      { approvals: 2, securityApprovals: 2, managementApprovals: 0 },
      { approvals: 2, securityApprovals: 0, managementApprovals: 2 },
    ]) {
      expect(policy.evaluate('grant', requester, { id: 'r', facts: tier3 }, context)).toMatchObject({
        allowed: false,
        policies: [{ id: 'sensitive-needs-security-and-management', effect: 'forbid' }],
      });
    }
    expect(
      policy.evaluate(
        'grant',
        requester,
        { id: 'r', facts: tier3 },
        { approvals: 2, securityApprovals: 1, managementApprovals: 1 },
      ).allowed,
    ).toBe(true);
  });

  it('let approvers and analysts decide, but never the requester or a subject', () => {
    const context = {
      isRequester: false,
      isSubject: false,
      inRequesterManagementChain: false,
      approverRegistered: true,
    };
    const decide = (roles: string[], over = {}) =>
      policy.evaluate('approve', { id: 'usr_b', roles }, { id: 'r', facts }, { ...context, ...over });
    expect(decide(['approver']).allowed).toBe(true);
    expect(decide(['analyst']).allowed).toBe(true);
    expect(decide(['engineer'])).toEqual({ allowed: false, policies: [] });
    expect(decide(['approver'], { isRequester: true }).policies.map((p) => p.id)).toEqual([
      'never-the-requester',
    ]);
    expect(decide(['analyst'], { isSubject: true }).policies.map((p) => p.id)).toEqual(['never-a-subject']);
    // Unknown to the registry, nobody can tell whether the approver is a subject: refused.
    expect(decide(['approver'], { approverRegistered: false }).policies.map((p) => p.id)).toEqual([
      'approver-must-be-registered',
    ]);
  });
});

describe('loading approval policies from a folder', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-policies-'));
    cpSync(defaultPolicyDir, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const add = (file: string, text: string) => writeFileSync(join(dir, file), text);

  it.each([
    ['a syntax error', 'permit (principal, action, resource) when { ;', /extra\.cedar|unexpected|parse/i],
    [
      'a policy without @id',
      '@reason("r")\npermit (principal, action == Custos::Action::"grant", resource);',
      /@id/,
    ],
    [
      'a policy without @reason',
      '@id("no-reason")\npermit (principal, action == Custos::Action::"grant", resource);',
      /no @reason/,
    ],
    [
      'a duplicate id',
      '@id("one-approval")\n@reason("again")\npermit (principal, action == Custos::Action::"grant", resource);',
      /policy id one-approval is also used in extra\.cedar/,
    ],
    [
      'an attribute the schema does not have',
      '@id("typo")\n@reason("r")\npermit (principal, action == Custos::Action::"grant", resource) when { resource.teir == 1 };',
      /extra\.cedar: policy typo/,
    ],
  ])('refuses %s, naming the file', (_, text, message) => {
    add('extra.cedar', text);
    expect(() => loadApprovalPolicy(dir)).toThrow(message);
  });

  it('refuses a folder without policies or schema', () => {
    rmSync(join(dir, 'schema.cedarschema'));
    expect(() => loadApprovalPolicy(dir)).toThrow(/schema\.cedarschema/);
    expect(() => loadApprovalPolicy(join(dir, 'missing'))).toThrow(/approval policies in/);
  });

  it('applies an operator’s stricter policy through access.policyDir', async () => {
    // The platform decides tier 2 fields also need security: a forbid added in its own file.
    add(
      'local.cedar',
      '@id("tier2-needs-security")\n@reason("Our rule: tier 2 needs a security approver.")\n' +
        'forbid (principal, action == Custos::Action::"grant", resource)\n' +
        'when { resource.tier >= 2 && context.securityApprovals < 1 };\n',
    );
    expect(readFileSync(join(dir, 'grant.cedar'), 'utf8')).toContain('one-approval');
    const t = await createTestCustos('sqlite', { 'access.policyDir': dir });
    try {
      const ana = await addUser(t.custos, 'ana', ['engineer']);
      await t.custos.employees.put({ userId: ana.id, team: 'support' });
      await t.custos.tickets.post(
        { id: 'SUP-1', title: 't', status: 'open', assigneeId: ana.id, subjects: ['user-1'] },
        'test',
      );
      const created = await t.custos.accessRequests.create(
        {
          purpose: 'support',
          ticketId: 'SUP-1',
          subjects: ['user-1'],
          fields: ['profile.photo'],
          operations: ['read'],
          durationMs: 3_600_000,
          justification: 'Photo fails moderation review.',
        },
        { id: ana.id, roles: ['engineer'] },
      );
      const mia = await addUser(t.custos, 'mia', ['approver']);
      await t.custos.employees.put({ userId: mia.id, platformUserId: null, managerId: null, team: 'leads' });
      const after = await t.custos.accessRequests.decide(
        created.request.id,
        { id: mia.id, roles: ['approver'] },
        {
          decision: 'approve',
          comment: '',
        },
      );
      expect(after.request.status).toBe('pending');
      expect(after.request.decision.policies.map((p) => p.id)).toEqual(['tier2-needs-security']);
    } finally {
      await t.dispose();
    }
  });

  it('fails Custos start-up on a bad policy', async () => {
    add('broken.cedar', 'permit (');
    await expect(createTestCustos('sqlite', { 'access.policyDir': dir })).rejects.toThrow(/broken\.cedar/);
  });
});
