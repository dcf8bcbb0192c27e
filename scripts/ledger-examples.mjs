#!/usr/bin/env node
// Regenerates the example record proofs of docs/ledger.md from a real Custos run (after a build):
//   npm run build && node scripts/ledger-examples.mjs
// Each run starts a Custos on a fresh SQLite folder, grants an engineer access to two users,
// makes checks through POST /v1/access/check and /v1/access/check/batch with a service key, and
// stores what GET /v1/transparency/subjects/{id} returns for the newest access (the record with
// its salt, and its proof) with the log's origin and verifier key from GET /v1/ledger. With
// `ledger.maxGroup: 1` every record is committed alone, in its own entry; by default the records
// committed together (a check and its disclosure, the checks of a batch call) share a batch
// entry. The JSON block after `<!-- example: <file> -->` in docs/ledger.md is rewritten to match.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCustos } from '../dist/app.js';
import { loadConfig } from '../dist/core/config.js';
import { verifyRecordProof } from '../dist/ledger/index.js';

const root = join(import.meta.dirname, '..');
const examplesDir = join(root, 'docs/examples/ledger');
const origin = 'custos.example.com/ledger';

const variants = [
  { file: 'record-proof.json', batched: false, overrides: { 'ledger.maxGroup': 1 } },
  { file: 'batched-record-proof.json', batched: true, overrides: {} },
];

async function call(custos, method, url, token, payload) {
  const response = await custos.api.app.inject({
    method,
    url,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    ...(payload ? { payload } : {}),
  });
  if (response.statusCode !== 200)
    throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

async function example({ batched, overrides }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-examples-'));
  const { config } = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'log.level': 'silent',
      'ledger.origin': origin,
      'ledger.maxDelay': '50ms',
      ...overrides,
    },
  });
  const custos = await createCustos(config);
  try {
    const { token } = await custos.apiKeys.create({
      name: 'support-tool',
      roles: ['service'],
      createdBy: 'example',
    });
    const { user } = await custos.users.create({
      username: 'ana',
      roles: ['engineer'],
      password: 'an example password, never used',
      createdBy: 'example',
    });
    await custos.employees.put({ userId: user.id, team: 'support' });
    // A grant as an approved request leaves one: issued dormant, then activated.
    const grant = await custos.store.transaction((tx) =>
      custos.grants.issue(tx, {
        actorId: user.id,
        purpose: 'support',
        ticketId: 'SUP-1042',
        subjects: ['user-1', 'user-2'],
        fields: ['identity.phone'],
        operations: ['read'],
        durationMs: 3_600_000,
        source: 'approval',
      }),
    );
    await custos.grants.activate(grant, 'example');
    const check = (subject) => ({ actor: user.id, subject, fields: ['identity.phone'], operation: 'read' });
    // A few earlier accesses, so that the example's inclusion proof has several hashes.
    for (const subject of ['user-2', 'user-2', 'user-1', 'user-2']) {
      await call(custos, 'POST', '/v1/access/check', token, check(subject));
    }
    // Three checks at once: by default their six records share one batch entry.
    await call(custos, 'POST', '/v1/access/check/batch', token, {
      checks: [check('user-2'), check('user-1'), check('user-2')],
    });
    const ledger = await call(custos, 'GET', '/v1/ledger');
    const listing = await call(custos, 'GET', '/v1/transparency/subjects/user-1', token);
    const [access] = listing.accesses;
    if (!access) throw new Error('the transparency listing is empty');
    if ((access.proof.batch !== undefined) !== batched) {
      throw new Error(
        `expected a ${batched ? 'batched' : 'single'} record proof, got ${JSON.stringify(access.proof)}`,
      );
    }
    verifyRecordProof(access.proof, ledger.vkey, access.record);
    return { origin: ledger.origin, vkey: ledger.vkey, record: access.record, proof: access.proof };
  } finally {
    await custos.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const written = new Map();
for (const variant of variants) {
  const text = `${JSON.stringify(await example(variant), null, 2)}\n`;
  writeFileSync(join(examplesDir, variant.file), text);
  written.set(`docs/examples/ledger/${variant.file}`, text);
  console.log(`wrote docs/examples/ledger/${variant.file}`);
}

// Keep the examples quoted in the docs identical to the files.
const docPath = join(root, 'docs/ledger.md');
const doc = readFileSync(docPath, 'utf8').replace(
  /(<!-- example: (\S+) -->\n```json\n)[\s\S]*?(```)/g,
  (whole, head, file, tail) => (written.has(file) ? `${head}${written.get(file)}${tail}` : whole),
);
writeFileSync(docPath, doc);
