import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  callAs,
  createTestCustos,
  type Person,
  sessionHeaders,
  signedInPerson,
  type TestCustos,
} from '../support/app.js';
import { book } from '../support/numbers.js';
import { backends } from '../support/services.js';

// Leak attribution through the API: a dump uploaded as a stream, its canaries traced to the
// account they were answered to, the report on the ledger and listed; and who may do it.

const canary = (i: number) => `+447700900${String(i).padStart(3, '0')}`;

describe.each(backends)('leak attribution API on %s', (backend) => {
  let t: TestCustos;
  let key: string;
  let analyst: Person;

  beforeEach(async () => {
    t = await createTestCustos(backend, {
      'ledger.maxDelay': '20ms',
      'discovery.canaries.prefixes': ['+447700900'],
      'discovery.canaries.density': 1,
      'discovery.canaries.cohort': 'account',
      'discovery.dumpMaxBytes': 4096,
    });
    key = (
      await t.custos.apiKeys.create({
        name: 'contacts-service',
        roles: ['service'],
        scopes: ['discovery.check'],
        createdBy: 'test',
      })
    ).token;
    analyst = await signedInPerson(t.custos, 'ana', ['analyst']);
  });
  afterEach(async () => {
    await t.dispose();
  });

  const upload = (who: Person | string, body: string, type = 'text/csv', name = 'forum dump.csv') =>
    t.custos.api.app.inject({
      method: 'POST',
      url: `/v1/discovery/attributions?name=${encodeURIComponent(name)}`,
      headers: {
        ...(typeof who === 'string' ? { authorization: `Bearer ${who}` } : sessionHeaders(who.auth)),
        'content-type': type,
      },
      payload: body,
    });

  it('traces an uploaded dump to the account that was shown its canaries, and records it', async () => {
    // The scraper asks for ten canaries among other numbers; each is answered "registered".
    const asked = [...book(0, 20), ...Array.from({ length: 10 }, (_, i) => canary(i))];
    const check = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/discovery/check',
      headers: { authorization: `Bearer ${key}` },
      payload: { account: 'bot-7', device: 'd', ip: '198.51.100.9', numbers: asked, mode: 'full' },
    });
    expect(check.json().canaries).toHaveLength(10);

    const dump = [
      'phone,name',
      ...book(100, 30).map((n) => `${n},someone`),
      ...Array.from({ length: 8 }, (_, i) => `${canary(i)},decoy`),
      `${canary(500)},never shown`,
      'garbage line',
      '',
    ].join('\r\n');
    const made = await upload(analyst, dump);
    expect(made.statusCode).toBe(201);
    const report = made.json();
    expect(report).toMatchObject({
      id: expect.stringMatching(/^dat_/),
      by: analyst.id,
      name: 'forum dump.csv',
      bytes: Buffer.byteLength(dump),
      scan: { parsed: 39, rejected: 2, canaries: 9, honey: 0, byCallingCode: { '44': 39 } },
      attribution: {
        canaries: 9,
        explained: 8,
        unexplained: [canary(500)],
        suspects: [{ account: 'bot-7', canaries: 8, coverage: 8 / 9, cohorts: ['a:bot-7'] }],
        suspectsTotal: 1,
      },
    });

    const stored = await t.custos.ledger.record('discovery.attribution', report.id);
    expect(stored).toBeDefined();
    const list = await callAs(t.custos, analyst, 'GET', '/v1/discovery/attributions');
    expect(list.json()).toMatchObject({
      reports: [
        {
          id: report.id,
          name: 'forum dump.csv',
          canaries: 9,
          explained: 8,
          topAccount: 'bot-7',
          topCanaries: 8,
        },
      ],
      next: null,
    });
    const one = await callAs(t.custos, analyst, 'GET', `/v1/discovery/attributions/${report.id}`);
    expect(one.json()).toEqual({ ...report, ledgerIndex: expect.any(Number) });
  });

  it('refuses a dump over discovery.dumpMaxBytes, a JSON body and a bad name, and records nothing', async () => {
    const big = `${book(0, 400).join('\n')}\n`;
    expect(Buffer.byteLength(big)).toBeGreaterThan(4096);
    const tooBig = await upload(analyst, big);
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json().code).toBe('request.too_large');
    // Without a length up front (chunked), it is cut off as it arrives.
    const streamed = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/discovery/attributions?name=x',
      headers: { ...sessionHeaders(analyst.auth), 'content-type': 'application/octet-stream' },
      payload: Readable.from([big.slice(0, 3000), big.slice(3000)]),
    });
    expect(streamed.statusCode).toBe(413);

    const json = await t.custos.api.app.inject({
      method: 'POST',
      url: '/v1/discovery/attributions?name=x',
      headers: sessionHeaders(analyst.auth),
      payload: { numbers: ['+447700900001'] },
    });
    expect(json.statusCode).toBe(415);
    expect((await upload(analyst, '+447700900001\n', 'text/plain')).statusCode).toBe(415);
    expect((await upload(analyst, '+447700900001\n', 'text/csv', 'bad\nname')).statusCode).toBe(400);

    const list = await callAs(t.custos, analyst, 'GET', '/v1/discovery/attributions');
    expect(list.json().reports).toEqual([]);
  });

  it('lets analysts and admins attribute, auditors read, and no one else either', async () => {
    const auditor = await signedInPerson(t.custos, 'aud', ['auditor']);
    const engineer = await signedInPerson(t.custos, 'eve', ['engineer']);
    const admin = await signedInPerson(t.custos, 'adm', ['admin']);
    expect((await upload(auditor, `${canary(1)}\n`)).statusCode).toBe(403);
    expect((await upload(engineer, `${canary(1)}\n`)).statusCode).toBe(403);
    expect((await upload(key, `${canary(1)}\n`)).statusCode).toBe(403);
    expect((await upload(admin, `${canary(1)}\n`)).statusCode).toBe(201);
    expect(
      (await callAs(t.custos, auditor, 'GET', '/v1/discovery/attributions')).json().reports,
    ).toHaveLength(1);
    expect((await callAs(t.custos, engineer, 'GET', '/v1/discovery/attributions')).statusCode).toBe(403);
  });
});
