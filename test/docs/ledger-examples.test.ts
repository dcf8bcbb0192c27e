/**
 * The record proofs of docs/ledger.md: the example files verify by the steps the docs give (an
 * outsider's verifier written here from the docs alone, with node:crypto) and by the library's
 * own verifier; they have exactly the shape the API returns today; and the JSON the docs quote is
 * the files' JSON. Regenerate the files with `npm run build && node scripts/ledger-examples.mjs`.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyRecordProof } from '../../src/ledger/recordproof.js';
import { issueGrant, register } from '../support/access.js';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

const root = join(import.meta.dirname, '..', '..');
const examplesDir = join(root, 'docs/examples/ledger');
const docPath = 'docs/ledger.md';

interface Example {
  origin: string;
  vkey: string;
  record: { type: string; id: string; canonical: string; salt: string };
  proof: {
    recordType: string;
    recordId: string;
    commitment: string;
    index: number;
    entry: string;
    inclusion: string[];
    checkpoint: string;
    batch?: { position: number; count: number; path: string[] };
  };
}

const exampleFiles = readdirSync(examplesDir).filter((name) => name.endsWith('.json'));
const readExample = (name: string) => JSON.parse(readFileSync(join(examplesDir, name), 'utf8')) as Example;

// ---- An outsider's verifier, from the steps in docs/ledger.md only -------------------------------

const sha256 = (...parts: Uint8Array[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHash = (data: Uint8Array) => sha256(Buffer.of(0x00), data);
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(Buffer.of(0x01), left, right);

function must(condition: boolean, what: string): asserts condition {
  if (!condition) throw new Error(`invalid proof: ${what}`);
}

function base64Hash(text: string): Buffer {
  const bytes = Buffer.from(text, 'base64');
  must(bytes.length === 32 && bytes.toString('base64') === text, `${text} is not base64 of 32 bytes`);
  return bytes;
}

/** RFC 9162 §2.1.3.2, as step 5 spells it out. */
function checkInclusion(leaf: Buffer, index: number, size: number, path: Buffer[], rootHash: Buffer): void {
  must(index < size, 'index outside the tree');
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    must(sn !== 0, 'proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  must(sn === 0 && r.equals(rootHash), 'the path does not lead to the root');
}

/** Step 4: the checkpoint body's origin, size and root, once the log key's signature verifies. */
function openCheckpointNote(note: string, vkey: string): { origin: string; size: number; root: Buffer } {
  const [name = '', keyIdHex = '', ...rest] = vkey.split('+');
  const keyBytes = Buffer.from(rest.join('+'), 'base64');
  must(keyBytes.length === 33 && keyBytes[0] === 0x01, 'not an Ed25519 verifier key');
  const publicKey = keyBytes.subarray(1);
  const keyId = sha256(Buffer.from(name, 'utf8'), Buffer.of(0x0a, 0x01), publicKey).subarray(0, 4);
  must(keyId.toString('hex') === keyIdHex, 'the key id does not match the key');
  const split = note.lastIndexOf('\n\n');
  must(split >= 0, 'no blank line in the note');
  const body = note.slice(0, split + 1);
  const signatureLines = note.slice(split + 2);
  must(signatureLines.endsWith('\n'), 'the signatures do not end in a newline');
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: publicKey.toString('base64url') },
    format: 'jwk',
  });
  const signed = signatureLines
    .slice(0, -1)
    .split('\n')
    .some((line) => {
      const prefix = `\u2014 ${name} `;
      if (!line.startsWith(prefix)) return false;
      const payload = Buffer.from(line.slice(prefix.length), 'base64');
      return (
        payload.length === 68 &&
        payload.subarray(0, 4).equals(keyId) &&
        verify(null, Buffer.from(body, 'utf8'), key, payload.subarray(4))
      );
    });
  must(signed, 'no valid signature by the log key');
  const [origin = '', sizeText = '', rootText = '', ...extra] = body.slice(0, -1).split('\n');
  must(extra.length === 0, 'unexpected checkpoint lines');
  must(/^(0|[1-9][0-9]*)$/.test(sizeText), 'the size is not decimal');
  return { origin, size: Number(sizeText), root: base64Hash(rootText) };
}

/** Steps 1 to 5 of docs/ledger.md; throws on the first failed check. */
function outsiderVerify({ origin, vkey, record, proof }: Example): void {
  const commitment = sha256(Buffer.from(record.salt, 'hex'), Buffer.from(record.canonical, 'utf8'));
  must(record.salt.length === 64 && commitment.toString('hex') === proof.commitment, 'commitment');
  must(record.type === proof.recordType && record.id === proof.recordId, 'record type or id');
  const recordEntry = Buffer.from(
    `custos.record/v1\n${proof.recordType}\n${proof.recordId}\n${proof.commitment}\n`,
    'utf8',
  );
  const entry = Buffer.from(proof.entry, 'utf8');
  if (proof.entry.startsWith('custos.record/v1\n')) {
    must(entry.equals(recordEntry), 'the entry is not the record entry');
  } else {
    const batch = /^custos\.batch\/v1\n([1-9][0-9]*)\n([0-9a-f]{64})\n$/.exec(proof.entry);
    must(batch !== null && proof.batch !== undefined, 'neither a record nor a batch entry');
    must(Number(batch[1]) === proof.batch.count, 'batch count');
    checkInclusion(
      leafHash(recordEntry),
      proof.batch.position,
      proof.batch.count,
      proof.batch.path.map(base64Hash),
      Buffer.from(batch[2] as string, 'hex'),
    );
  }
  const checkpoint = openCheckpointNote(proof.checkpoint, vkey);
  must(checkpoint.origin === origin, 'origin');
  checkInclusion(
    leafHash(entry),
    proof.index,
    checkpoint.size,
    proof.inclusion.map(base64Hash),
    checkpoint.root,
  );
}

// ---- Shapes -----------------------------------------------------------------------------------------

/** The keys and value types of a JSON value, recursively; arrays by the set of their items' shapes. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return { array: [...new Set(value.map((item) => JSON.stringify(shape(item))))] };
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shape((value as Record<string, unknown>)[key])]),
    );
  }
  return value === null ? 'null' : typeof value;
}

describe('the ledger proof examples', () => {
  it('has one single-record and one batched-record example', () => {
    const kinds = exampleFiles.map((name) => (readExample(name).proof.batch ? 'batched' : 'single'));
    expect(kinds.sort()).toEqual(['batched', 'single']);
  });

  it.each(exampleFiles)('%s verifies by the steps of docs/ledger.md and by verifyRecordProof', (name) => {
    const example = readExample(name);
    expect(() => outsiderVerify(example)).not.toThrow();
    expect(verifyRecordProof(example.proof, example.vkey, example.record)).toEqual({
      size: openCheckpointNote(example.proof.checkpoint, example.vkey).size,
      origin: example.origin,
    });
  });

  it.each(exampleFiles)('%s fails both verifiers once any part is altered', (name) => {
    const example = readExample(name);
    const flip = (hex: string) => `${hex[0] === '0' ? '1' : '0'}${hex.slice(1)}`;
    const flipHash = (b64: string) => {
      const bytes = Buffer.from(b64, 'base64');
      bytes[0] = (bytes[0] as number) ^ 0x01;
      return bytes.toString('base64');
    };
    const alterations: Example[] = [
      {
        ...example,
        record: { ...example.record, canonical: example.record.canonical.replace('read', 'write') },
      },
      { ...example, record: { ...example.record, salt: flip(example.record.salt) } },
      { ...example, proof: { ...example.proof, index: example.proof.index + 1 } },
      { ...example, proof: { ...example.proof, inclusion: example.proof.inclusion.map(flipHash) } },
      {
        ...example,
        proof: { ...example.proof, checkpoint: example.proof.checkpoint.replace(/\n\d+\n/, (m) => `${m}\n`) },
      },
      ...(example.proof.batch
        ? [
            {
              ...example,
              proof: {
                ...example.proof,
                batch: { ...example.proof.batch, position: example.proof.batch.position ^ 1 },
              },
            },
          ]
        : []),
    ];
    for (const altered of alterations) {
      expect(() => outsiderVerify(altered)).toThrow();
      expect(() => verifyRecordProof(altered.proof, altered.vkey, altered.record)).toThrow();
    }
  });

  it('quotes in docs/ledger.md only JSON that is exactly an example file', () => {
    const doc = readFileSync(join(root, docPath), 'utf8');
    const blocks = [...doc.matchAll(/(?:<!-- example: (\S+) -->\n)?```json\n([\s\S]*?)```/g)];
    expect(blocks.length).toBeGreaterThan(0);
    for (const [, file, json] of blocks) {
      expect(file, 'a JSON block in the docs without its <!-- example: file --> marker').toBeDefined();
      expect(json).toBe(readFileSync(join(root, file as string), 'utf8'));
    }
  });
});

describe.each(backends)('the ledger proof examples against the API on %s', (backend) => {
  let t: TestCustos | undefined;
  afterEach(async () => {
    await t?.dispose();
    t = undefined;
  });

  /** One permitted check through the API, then what the API says about it, as the example files hold it. */
  async function proveThroughApi(overrides: Record<string, unknown>): Promise<Example> {
    t = await createTestCustos(backend, { 'ledger.maxDelay': '20ms', ...overrides });
    const { custos } = t;
    const { token } = await custos.apiKeys.create({
      name: 'tool',
      roles: ['service'],
      scopes: ['*'],
      createdBy: 'test',
    });
    const ana = await addUser(custos, 'ana', ['engineer']);
    await register(custos, ana.id, { team: 'support' });
    await issueGrant(custos, {
      actorId: ana.id,
      purpose: 'support',
      ticketId: 'T-1',
      subjects: ['user-1'],
      fields: ['identity.phone'],
      operations: ['read'],
      durationMs: 3_600_000,
      source: 'approval',
    });
    const call = async (method: 'GET' | 'POST', url: string, payload?: Record<string, unknown>) => {
      const response = await custos.api.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json();
    };
    const check = (subject: string) =>
      call('POST', '/v1/access/check', {
        actor: ana.id,
        subject,
        fields: ['identity.phone'],
        operation: 'read',
      });
    // A denied check first, so that the proof's inclusion path is not empty.
    expect((await check('user-2')).decision).toBe('deny');
    expect((await check('user-1')).decision).toBe('permit');
    const { origin, vkey } = await call('GET', '/v1/ledger');
    const { accesses } = await call('GET', '/v1/transparency/subjects/user-1');
    expect(accesses).toHaveLength(1);
    return { origin, vkey, record: accesses[0].record, proof: accesses[0].proof };
  }

  it.each([
    { kind: 'single-record', overrides: { 'ledger.maxGroup': 1 }, batched: false },
    { kind: 'batched-record', overrides: {}, batched: true },
  ])(
    'returns a $kind proof of exactly the example file’s shape, which the docs’ steps verify',
    async ({ overrides, batched }) => {
      const live = await proveThroughApi(overrides);
      expect(live.proof.batch !== undefined).toBe(batched);
      const example = exampleFiles.map(readExample).find((e) => (e.proof.batch !== undefined) === batched);
      expect(shape(live)).toEqual(shape(example));
      expect(() => outsiderVerify(live)).not.toThrow();
    },
  );
});
