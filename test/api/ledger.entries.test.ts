import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  base64Decode,
  hexDecode,
  leafHash,
  verifyCheckpoint,
  verifyInclusion,
} from '../../src/ledger/verify.subtle.js';
import { issueGrant, register } from '../support/access.js';
import {
  addUser,
  callAs,
  createTestCustos,
  type Person,
  signedInPerson,
  type TestCustos,
} from '../support/app.js';
import { backends } from '../support/services.js';

describe.each(backends)('ledger explorer routes on %s', (backend) => {
  let t: TestCustos;
  let auditor: Person;
  let analyst: Person;
  let engineer: Person;
  let serviceKey: string;

  beforeEach(async () => {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms' });
    serviceKey = (
      await t.custos.apiKeys.create({ name: 'app', roles: ['service'], scopes: ['*'], createdBy: 'test' })
    ).token;
    auditor = await signedInPerson(t.custos, 'aud', ['auditor']);
    analyst = await signedInPerson(t.custos, 'ana', ['analyst']);
    engineer = await signedInPerson(t.custos, 'eng', ['engineer']);
    const actor = (await addUser(t.custos, 'ed', ['engineer'])).id;
    await register(t.custos, actor, { team: 'support' });
    await issueGrant(t.custos, {
      actorId: actor,
      purpose: 'support',
      ticketId: 'T-1',
      subjects: ['user-7'],
      fields: ['identity.phone'],
      operations: ['read'],
      durationMs: 3_600_000,
      source: 'approval',
    });
    const check = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/access/check',
      headers: { authorization: `Bearer ${serviceKey}` },
      payload: { actor, subject: 'user-7', fields: ['identity.phone'], operation: 'read' },
    });
    expect(check.statusCode, check.body).toBe(200);
    checkResult = check.json();
  });
  afterEach(async () => {
    await t.dispose();
  });
  let checkResult: { checkId: string; ledgerIndex: number; decision: string };

  it('finds a check by its id, shows its record to an auditor and only its commitment to an analyst', async () => {
    const located = await callAs(
      t.custos,
      analyst,
      'GET',
      `/v1/ledger/records/access.check/${checkResult.checkId}`,
    );
    expect(located.statusCode, located.body).toBe(200);
    expect(located.json()).toMatchObject({ recordType: 'access.check', index: checkResult.ledgerIndex });

    const url = `/v1/ledger/entries/${checkResult.ledgerIndex}`;
    const asAuditor = (await callAs(t.custos, auditor, 'GET', url)).json();
    const mine = asAuditor.records.find((r: { id: string }) => r.id === checkResult.checkId);
    expect(asAuditor.contentShown).toBe(true);
    expect(JSON.parse(mine.canonical)).toMatchObject({ subject: 'user-7' });
    expect(mine.salt).toMatch(/^[0-9a-f]{64}$/);

    const asAnalyst = (await callAs(t.custos, analyst, 'GET', url)).json();
    expect(asAnalyst.contentShown).toBe(false);
    expect(JSON.stringify(asAnalyst)).not.toContain('user-7');
    expect(asAnalyst.records.map((r: { commitment: string }) => r.commitment)).toEqual(
      asAuditor.records.map((r: { commitment: string }) => r.commitment),
    );

    // Engineers and services do not explore the log; a missing entry is a 404.
    expect((await callAs(t.custos, engineer, 'GET', url)).statusCode).toBe(403);
    const byKey = await t.custos.api.app.inject({
      method: 'GET',
      url,
      headers: { authorization: `Bearer ${serviceKey}` },
    });
    expect(byKey.statusCode).toBe(403);
    expect((await callAs(t.custos, auditor, 'GET', '/v1/ledger/entries/999999')).statusCode).toBe(404);
    expect((await callAs(t.custos, auditor, 'GET', '/v1/ledger/entries/-1')).statusCode).toBe(400);
  });

  it('pages entries by index, at most 200 at a time', async () => {
    const first = await callAs(t.custos, auditor, 'GET', '/v1/ledger/entries?from=0&limit=1');
    expect(first.statusCode, first.body).toBe(200);
    const page = first.json();
    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({ index: 0, leafHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(page.next).toBe(page.sequenced > 1 ? 1 : null);
    expect(page.previous).toBeNull();
    const newest = (await callAs(t.custos, auditor, 'GET', '/v1/ledger/entries')).json();
    expect(newest.entries.map((e: { index: number }) => e.index)).toContain(checkResult.ledgerIndex);
    expect((await callAs(t.custos, auditor, 'GET', '/v1/ledger/entries?limit=201')).statusCode).toBe(400);
  });

  it('proves an entry against the latest checkpoint, and refuses a tree that does not hold it', async () => {
    const index = checkResult.ledgerIndex;
    const response = await callAs(t.custos, auditor, 'GET', `/v1/ledger/entries/${index}/proof`);
    expect(response.statusCode, response.body).toBe(200);
    const proof = response.json();
    const checkpoint = await verifyCheckpoint(proof.checkpoint, t.custos.ledger.vkey);
    if (!checkpoint.ok) throw new Error(checkpoint.message);
    expect(checkpoint.size).toBe(proof.treeSize);
    const hashes = proof.inclusion.map((h: string) => base64Decode(h) as Uint8Array);
    const leaf = await leafHash(new TextEncoder().encode(proof.entry));
    expect(await verifyInclusion(index, proof.treeSize, leaf, hashes, checkpoint.root)).toEqual({ ok: true });
    const entry = (await callAs(t.custos, auditor, 'GET', `/v1/ledger/entries/${index}`)).json();
    expect(hexDecode(entry.leafHash)).toEqual(leaf);

    // A smaller tree that still holds the entry gets a proof without a checkpoint.
    if (proof.treeSize > index + 1) {
      const older = (
        await callAs(t.custos, auditor, 'GET', `/v1/ledger/entries/${index}/proof?treeSize=${index + 1}`)
      ).json();
      expect(older).toMatchObject({ treeSize: index + 1, checkpoint: null });
    }
    const tooSmall = await callAs(
      t.custos,
      auditor,
      'GET',
      `/v1/ledger/entries/${index}/proof?treeSize=${index}`,
    );
    expect(tooSmall.statusCode).toBe(400);
    const tooBig = await callAs(
      t.custos,
      auditor,
      'GET',
      `/v1/ledger/entries/${index}/proof?treeSize=${proof.treeSize + 100}`,
    );
    expect(tooBig.statusCode).toBe(404);
  });

  it('looks a subject up by POST, with the same answer as the GET listing', async () => {
    const posted = await callAs(t.custos, auditor, 'POST', '/v1/transparency/lookup', {
      subjectId: 'user-7',
    });
    expect(posted.statusCode, posted.body).toBe(200);
    const body = posted.json();
    expect(body.subject).toBe('user-7');
    expect(body.accesses).toHaveLength(1);
    const listed = await callAs(t.custos, auditor, 'GET', '/v1/transparency/subjects/user-7');
    expect(listed.json()).toEqual(body);
    expect(
      (await callAs(t.custos, analyst, 'POST', '/v1/transparency/lookup', { subjectId: 'user-7' }))
        .statusCode,
    ).toBe(403);
    expect(
      (await callAs(t.custos, auditor, 'POST', '/v1/transparency/lookup', { subjectId: 'bad id' }))
        .statusCode,
    ).toBe(400);
  });
});
