import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createManualClock } from '../../src/core/clock.js';
import { toBase64 } from '../../src/ledger/bytes.js';
import { formatCheckpoint, openCheckpoint, verifyCosignature } from '../../src/ledger/checkpoint.js';
import { consistencyProof, hashLeaf, treeRoot } from '../../src/ledger/merkle.js';
import { CompactRange } from '../../src/ledger/merkle.range.js';
import { signNote } from '../../src/ledger/note.js';
import {
  COSIGNATURE_V1,
  generateKey,
  parseSignerKey,
  parseVerifierKey,
  type SignerKey,
  type VerifierKey,
} from '../../src/ledger/note.key.js';
import {
  addCosignatures,
  cosignWithQuorum,
  createWitnessClient,
  formatAddCheckpointRequest,
  type WitnessClient,
} from '../../src/ledger/witness.client.js';
import {
  createWitness,
  createWitnessServer,
  parseAddCheckpointRequest,
  type Witness,
} from '../../src/ledger/witness.js';
import {
  createMemoryWitnessState,
  openFileWitnessState,
  type WitnessState,
} from '../../src/ledger/witness.state.js';
import { loadVectors } from './vectors.js';

const origin = 'custos.test/log';
const silent = pino({ level: 'silent' });
const logKeys = generateKey(origin);
const logSigner = parseSignerKey(logKeys.skey);
const logVerifier = parseVerifierKey(logKeys.vkey);

/** An in-memory RFC 9162 log: leaf hashes, every completed subtree, and checkpoints signed by `signer`. */
class TestLog {
  readonly #nodes = new Map<string, Uint8Array>();
  readonly #range = new CompactRange();

  constructor(
    readonly name = origin,
    readonly signer: SignerKey = logSigner,
    readonly seed = 'leaf',
  ) {}

  get size(): number {
    return this.#range.size;
  }

  grow(count: number): this {
    for (let i = 0; i < count; i++) {
      const leaf = hashLeaf(new TextEncoder().encode(`${this.seed} ${this.#range.size}`));
      for (const node of this.#range.append(leaf)) this.#nodes.set(`${node.level}/${node.index}`, node.hash);
    }
    return this;
  }

  readonly read = async (level: number, index: number): Promise<Uint8Array> => {
    const hash = this.#nodes.get(`${level}/${index}`);
    if (!hash) throw new Error(`no node ${level}/${index}`);
    return hash;
  };

  async root(size = this.size): Promise<Uint8Array> {
    return treeRoot(size, this.read);
  }

  async body(size = this.size): Promise<string> {
    return formatCheckpoint({ origin: this.name, size, root: await this.root(size) });
  }

  async checkpoint(size = this.size): Promise<string> {
    return signNote(await this.body(size), [this.signer]);
  }

  proof(from: number, to = this.size): Promise<Uint8Array[]> {
    return consistencyProof(from, to, this.read);
  }

  async request(oldSize: number, size = this.size): Promise<string> {
    return formatAddCheckpointRequest({
      oldSize,
      proof: await this.proof(oldSize, size),
      signedCheckpoint: await this.checkpoint(size),
    });
  }
}

interface Running {
  witness: Witness;
  app: FastifyInstance;
  url: string;
  state: WitnessState;
  vkey: VerifierKey;
}

const clock = createManualClock(Date.UTC(2026, 2, 1, 12));
const started: Running[] = [];
let dir: string;

function newWitnessKey(name: string): { signer: SignerKey; verifier: VerifierKey } {
  const keys = generateKey(name, COSIGNATURE_V1);
  return { signer: parseSignerKey(keys.skey), verifier: parseVerifierKey(keys.vkey) };
}

async function startWitness(
  options: { state?: WitnessState; key?: ReturnType<typeof newWitnessKey>; logs?: VerifierKey[] } = {},
): Promise<Running> {
  const key = options.key ?? newWitnessKey('witness.test/w1');
  const state = options.state ?? (await openFileWitnessState(mkdtempSync(join(dir, 'state-'))));
  const witness = createWitness({
    key: key.signer,
    logs: (options.logs ?? [logVerifier]).map((vkey) => ({ origin: vkey.name, vkey })),
    state,
    clock,
    logger: silent,
  });
  const app = createWitnessServer(witness, { logger: silent });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const running = { witness, app, url, state, vkey: key.verifier };
  started.push(running);
  return running;
}

const stopped = new WeakSet<Running>();

async function stopWitness(running: Running): Promise<void> {
  if (stopped.has(running)) return;
  stopped.add(running);
  await running.app.close();
  await running.state.close();
}

async function post(url: string, body: string, contentType = 'text/plain') {
  const response = await fetch(`${url}/add-checkpoint`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body,
  });
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'custos-witness-'));
});

afterEach(async () => {
  for (const running of started.splice(0)) await stopWitness(running).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('witness add-checkpoint over HTTP', () => {
  it('cosigns a first checkpoint from old size 0 with an empty proof, verifiably', async () => {
    const { url, vkey } = await startWitness();
    const log = new TestLog().grow(300);
    const answer = await post(url, await log.request(0));
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain/);
    expect(answer.text).toMatch(/^— witness\.test\/w1 [A-Za-z0-9+/=]+\n$/);
    const timestamp = verifyCosignature(await log.body(), answer.text, vkey);
    expect(timestamp).toBe(Math.floor(clock.now() / 1000));
    // The cosignature moves onto the log's note and verifies there alongside the log's signature.
    const cosigned = addCosignatures(await log.checkpoint(), [answer.text]);
    const opened = openCheckpoint(cosigned, logVerifier, [vkey]);
    expect(opened.checkpoint.size).toBe(300);
    expect(opened.note.signatures.map((s) => s.name)).toEqual([origin, 'witness.test/w1']);
  });

  it('cosigns growth proven by consistency proofs, including power-of-two sizes', async () => {
    const { url, vkey } = await startWitness();
    const log = new TestLog();
    let old = 0;
    for (const size of [1, 2, 3, 128, 256, 257, 300, 511, 512, 700]) {
      log.grow(size - log.size);
      const answer = await post(url, await log.request(old));
      expect(answer.status, `${old} -> ${size}`).toBe(200);
      verifyCosignature(await log.body(), answer.text, vkey);
      old = size;
    }
    // Resubmitting the same checkpoint is cosigned again: the witness's view did not change.
    expect((await post(url, await log.request(700))).status).toBe(200);
  });

  it('answers a stale old size with 409 and its known size, and the client retries from there', async () => {
    const { url, vkey } = await startWitness();
    const log = new TestLog().grow(100);
    expect((await post(url, await log.request(0))).status).toBe(200);
    log.grow(150);
    const stale = await post(url, await log.request(50));
    expect(stale).toEqual({ status: 409, type: 'text/x.tlog.size', text: '100\n' });
    const zero = await post(url, await log.request(0));
    expect(zero.status).toBe(409);
    expect(zero.text).toBe('100\n');

    const client = createWitnessClient({ url, vkey, timeoutMs: 5000 });
    const first = await client.addCheckpoint({
      oldSize: 0,
      proof: [],
      signedCheckpoint: await log.checkpoint(),
    });
    expect(first).toEqual({ kind: 'conflict', knownSize: 100 });
    expect(client.lastKnownSize()).toBe(100);
    const retried = await client.addCheckpoint({
      oldSize: first.kind === 'conflict' ? first.knownSize : 0,
      proof: await log.proof(100),
      signedCheckpoint: await log.checkpoint(),
    });
    expect(retried.kind).toBe('cosigned');
    if (retried.kind === 'cosigned') verifyCosignature(await log.body(), retried.cosignature, vkey);
    expect(client.lastKnownSize()).toBe(250);
  });

  it('refuses a consistency proof that does not verify with 422 and keeps its state', async () => {
    const { url, vkey } = await startWitness();
    const log = new TestLog().grow(200);
    expect((await post(url, await log.request(0))).status).toBe(200);
    log.grow(57);
    const proof = await log.proof(200);
    const flipped = proof.map((hash, i) =>
      i === 1 ? Uint8Array.from(hash, (b, j) => (j === 0 ? b ^ 1 : b)) : hash,
    );
    const signedCheckpoint = await log.checkpoint();
    for (const bad of [flipped, proof.slice(1), [...proof, proof[0] as Uint8Array], []]) {
      const answer = await post(
        url,
        formatAddCheckpointRequest({ oldSize: 200, proof: bad, signedCheckpoint }),
      );
      expect(answer.status).toBe(422);
    }
    // A proof from size 0 must be empty.
    const other = await startWitness();
    const nonEmpty = formatAddCheckpointRequest({
      oldSize: 0,
      proof: [proof[0] as Uint8Array],
      signedCheckpoint,
    });
    expect((await post(other.url, nonEmpty)).status).toBe(422);

    const client = createWitnessClient({ url, vkey });
    await expect(
      client.addCheckpoint({ oldSize: 200, proof: flipped, signedCheckpoint }),
    ).rejects.toMatchObject({ code: 'ledger.invalid_proof' });
    expect((await post(url, await log.request(200))).status).toBe(200);
  });

  it('refuses a checkpoint not signed by the configured log key with 403', async () => {
    const { url } = await startWitness();
    const impostorKey = parseSignerKey(generateKey(origin).skey);
    const impostor = new TestLog(origin, impostorKey).grow(10);
    const answer = await post(url, await impostor.request(0));
    expect(answer.status).toBe(403);
    // Right key ID, forged signature bytes.
    const log = new TestLog().grow(10);
    const note = await log.checkpoint();
    const forged = note.replace(
      / (\S+)\n$/,
      (_m, sig: string) => ` ${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}\n`,
    );
    expect(forged).not.toBe(note);
    expect(
      (await post(url, formatAddCheckpointRequest({ oldSize: 0, proof: [], signedCheckpoint: forged })))
        .status,
    ).toBe(403);
  });

  it('answers 404 for a log it does not witness', async () => {
    const { url, vkey } = await startWitness();
    const otherKey = parseSignerKey(generateKey('other.test/log').skey);
    const other = new TestLog('other.test/log', otherKey).grow(5);
    expect((await post(url, await other.request(0))).status).toBe(404);
    const client = createWitnessClient({ url, vkey });
    await expect(
      client.addCheckpoint({ oldSize: 0, proof: [], signedCheckpoint: await other.checkpoint() }),
    ).rejects.toMatchObject({ code: 'witness.unknown_log' });
  });

  it('refuses a forked checkpoint (same size, other root) and reports both signed notes', async () => {
    const { url, witness } = await startWitness();
    const log = new TestLog().grow(300);
    expect((await post(url, await log.request(0))).status).toBe(200);
    const fork = new TestLog(origin, logSigner, 'forked').grow(300);
    const refused = await post(
      url,
      formatAddCheckpointRequest({ oldSize: 300, proof: [], signedCheckpoint: await fork.checkpoint() }),
    );
    expect(refused).toEqual({ status: 409, type: 'text/x.tlog.size', text: '300\n' });
    // Whatever old size the log claims, the fork is evidence.
    expect((await post(url, await fork.request(0))).status).toBe(409);
    const forks = await witness.forks();
    expect(forks).toHaveLength(1);
    expect(forks[0]).toMatchObject({
      origin,
      size: 300,
      cosigned: { root: toBase64(await log.root()), note: await log.checkpoint() },
      conflicting: { root: toBase64(await fork.root()), note: await fork.checkpoint() },
      detectedAt: clock.now(),
    });
    // The honest checkpoint is still the witness's view.
    expect((await post(url, await log.grow(1).request(300))).status).toBe(200);
  });

  it('refuses a rolled-back (smaller) checkpoint', async () => {
    const { url } = await startWitness();
    const log = new TestLog().grow(300);
    expect((await post(url, await log.request(0))).status).toBe(200);
    // Claiming the real old size: old > checkpoint size is a bad request per the spec.
    const claimed = formatAddCheckpointRequest({
      oldSize: 300,
      proof: [],
      signedCheckpoint: await log.checkpoint(200),
    });
    expect((await post(url, claimed)).status).toBe(400);
    // Claiming an old size the checkpoint extends: the witness knows better.
    const older = await post(url, await log.request(100, 200));
    expect(older).toMatchObject({ status: 409, text: '300\n' });
    const same = await post(url, await log.request(200, 200));
    expect(same).toMatchObject({ status: 409, text: '300\n' });
  });

  it('keeps its state and fork evidence across a restart over the same state folder', async () => {
    const stateDir = join(dir, 'durable');
    const key = newWitnessKey('witness.test/durable');
    const first = await startWitness({ state: await openFileWitnessState(stateDir), key });
    const log = new TestLog().grow(300);
    expect((await post(first.url, await log.request(0))).status).toBe(200);
    const fork = new TestLog(origin, logSigner, 'forked').grow(300);
    expect((await post(first.url, await fork.request(300))).status).toBe(409);
    await stopWitness(first);

    const second = await startWitness({ state: await openFileWitnessState(stateDir), key });
    expect(await post(second.url, await log.request(0))).toMatchObject({ status: 409, text: '300\n' });
    expect(await second.witness.forks()).toHaveLength(1);
    expect((await post(second.url, await log.grow(20).request(300))).status).toBe(200);
  });

  it('lets exactly one of two concurrent submissions from the same old size through', async () => {
    const { url } = await startWitness();
    const log = new TestLog().grow(100);
    expect((await post(url, await log.request(0))).status).toBe(200);
    log.grow(150);
    const [a, b] = await Promise.all([
      post(url, await log.request(100, 200)),
      post(url, await log.request(100, 250)),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const conflict = a.status === 409 ? a : b;
    expect(['200\n', '250\n']).toContain(conflict.text);
  });

  it('serialises racing submissions per origin: of ten from one old size, exactly one advances', async () => {
    const { witness, state } = await startWitness();
    const log = new TestLog().grow(100);
    await witness.addCheckpoint(await log.request(0));
    log.grow(100);
    const requests = await Promise.all(Array.from({ length: 10 }, (_, i) => log.request(100, 110 + i * 10)));
    const results = await Promise.allSettled(requests.map((body) => witness.addCheckpoint(body)));
    const cosigned = results.filter((r) => r.status === 'fulfilled');
    expect(cosigned).toHaveLength(1);
    const size = (cosigned[0] as PromiseFulfilledResult<{ checkpoint: { size: number } }>).value.checkpoint
      .size;
    for (const result of results) {
      if (result.status === 'rejected') {
        expect(result.reason).toMatchObject({ code: 'witness.conflict', details: { knownSize: size } });
      }
    }
    expect((await state.get(origin))?.size).toBe(size);
  });

  it('rejects malformed request bodies with 400 and oversized ones with 413', async () => {
    const { url } = await startWitness();
    const log = new TestLog().grow(10);
    const note = await log.checkpoint();
    const hash = toBase64(new Uint8Array(32));
    const bodies = [
      '',
      note,
      `old 01\n\n${note}`,
      `old -1\n\n${note}`,
      `old 1e3\n\n${note}`,
      `old 0\n${note}`,
      `old 0\nnot base64!\n\n${note}`,
      `old 0\n${toBase64(new Uint8Array(31))}\n\n${note}`,
      `old 0\n${`${hash}\n`.repeat(64)}\n${note}`,
      'old 0\n\n',
      `old 0\n\n${await log.body()}`,
      `old 11\n\n${note}`,
      `old 99999999999999999999\n\n${note}`,
    ];
    for (const body of bodies) {
      const answer = await post(url, body);
      expect(answer.status, JSON.stringify(body.slice(0, 40))).toBe(400);
    }
    expect((await post(url, `old 0\n\n${note}${'x'.repeat(70_000)}`)).status).toBe(413);
    // Any content type is read as text; the protocol does not name one.
    expect((await post(url, await log.request(0), 'application/octet-stream')).status).toBe(200);
  });

  it('serves health and nothing else', async () => {
    const { url } = await startWitness();
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('ok\n');
    expect((await fetch(`${url}/add-checkpoint`)).status).toBe(404);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });
});

describe('createWitness', () => {
  it('refuses a witness key that is not cosignature/v1 and log keys that are not Ed25519', () => {
    const state = createMemoryWitnessState();
    expect(() =>
      createWitness({ key: logSigner, logs: [{ origin, vkey: logVerifier }], state, clock, logger: silent }),
    ).toThrow(/cosignature\/v1/);
    const w = newWitnessKey('witness.test/w');
    expect(() =>
      createWitness({ key: w.signer, logs: [{ origin, vkey: w.verifier }], state, clock, logger: silent }),
    ).toThrow(/not an Ed25519/);
  });

  it('refuses a size-0 checkpoint whose root is not the empty tree hash', async () => {
    const w = newWitnessKey('witness.test/w');
    const witness = createWitness({
      key: w.signer,
      logs: [{ origin, vkey: logVerifier }],
      state: createMemoryWitnessState(),
      clock,
      logger: silent,
    });
    const bogus = signNote(formatCheckpoint({ origin, size: 0, root: new Uint8Array(32).fill(7) }), [
      logSigner,
    ]);
    await expect(
      witness.addCheckpoint(formatAddCheckpointRequest({ oldSize: 0, proof: [], signedCheckpoint: bogus })),
    ).rejects.toMatchObject({ code: 'ledger.invalid_proof' });
    const empty = new TestLog();
    await expect(witness.addCheckpoint(await empty.request(0))).resolves.toMatchObject({
      checkpoint: { size: 0 },
    });
  });

  it('trusts every key listed for an origin', async () => {
    const w = newWitnessKey('witness.test/w');
    const rotated = generateKey(origin);
    const witness = createWitness({
      key: w.signer,
      logs: [
        { origin, vkey: logVerifier },
        { origin, vkey: parseVerifierKey(rotated.vkey) },
      ],
      state: createMemoryWitnessState(),
      clock,
      logger: silent,
    });
    const log = new TestLog(origin, parseSignerKey(rotated.skey)).grow(3);
    await expect(witness.addCheckpoint(await log.request(0))).resolves.toMatchObject({
      checkpoint: { size: 3 },
    });
  });

  it('parses the add-checkpoint request of the C2SP spec example', () => {
    const examples = loadVectors<{ witness_add_checkpoint_request_example: { body: string } }>(
      'signed-note/c2sp-spec-examples.json',
    );
    const request = parseAddCheckpointRequest(examples.witness_add_checkpoint_request_example.body);
    expect(request.oldSize).toBe(20852014);
    expect(request.proof.map(toBase64)).toEqual([
      'PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=',
      'jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=',
      '5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=',
      '/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=',
    ]);
    expect(request.note.startsWith('example.com/behind-the-sofa\n20852163\n')).toBe(true);
    expect(
      formatAddCheckpointRequest({
        oldSize: request.oldSize,
        proof: request.proof,
        signedCheckpoint: request.note,
      }),
    ).toBe(examples.witness_add_checkpoint_request_example.body);
  });
});

describe('file witness state', () => {
  it('compares and sets durably, and takes a crashed writer’s temporary files for garbage', async () => {
    const stateDir = join(dir, 'cas');
    const state = await openFileWitnessState(stateDir);
    const root = new Uint8Array(32).fill(1);
    expect(await state.get(origin)).toBeUndefined();
    expect(await state.compareAndSet(origin, 5, { size: 10, root, note: 'n' })).toBe(false);
    expect(await state.compareAndSet(origin, 0, { size: 10, root, note: 'n' })).toBe(true);
    expect(await state.compareAndSet(origin, 0, { size: 20, root, note: 'n' })).toBe(false);
    await state.close();
    writeFileSync(join(stateDir, 'logs', '.left-over.tmp'), 'partial');
    const reopened = await openFileWitnessState(stateDir);
    expect(await reopened.get(origin)).toMatchObject({ size: 10, note: 'n' });
    expect(readdirSync(join(stateDir, 'logs')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    await reopened.close();
  });

  it('fails closed on a corrupt state file instead of forgetting the size', async () => {
    const stateDir = join(dir, 'corrupt');
    const state = await openFileWitnessState(stateDir);
    await state.compareAndSet(origin, 0, { size: 10, root: new Uint8Array(32), note: 'n' });
    await state.close();
    const [file] = readdirSync(join(stateDir, 'logs'));
    writeFileSync(join(stateDir, 'logs', file as string), '{"version":1,"origin":"custos.test/log","size":');
    const reopened = await openFileWitnessState(stateDir);
    await expect(reopened.get(origin)).rejects.toMatchObject({ code: 'witness.state_corrupt' });
    await reopened.close();
  });

  it('refuses a second open of a state folder a live process holds', async () => {
    const stateDir = join(dir, 'locked');
    const state = await openFileWitnessState(stateDir);
    await expect(openFileWitnessState(stateDir)).rejects.toThrow(/in use by process/);
    await state.close();
    // A lock left by a dead process is taken over.
    writeFileSync(join(stateDir, 'LOCK'), '999999999\n');
    const again = await openFileWitnessState(stateDir);
    await again.close();
  });
});

describe('quorum cosigning', () => {
  async function threeWitnesses(): Promise<{ running: Running[]; clients: WitnessClient[] }> {
    const running = [
      await startWitness({ key: newWitnessKey('witness.test/a') }),
      await startWitness({ key: newWitnessKey('witness.test/b') }),
      await startWitness({ key: newWitnessKey('witness.test/c') }),
    ];
    const clients = running.map((r) => createWitnessClient({ url: r.url, vkey: r.vkey, timeoutMs: 5000 }));
    return { running, clients };
  }

  it('gathers a quorum of 2 of 3 when one witness is down, and the cosigned note verifies', async () => {
    const { running, clients } = await threeWitnesses();
    await stopWitness(running[1] as Running);
    const log = new TestLog().grow(300);
    const note = await log.checkpoint();
    const result = await cosignWithQuorum({
      witnesses: clients,
      quorum: 2,
      checkpointNote: note,
      proofFrom: (oldSize) => log.proof(oldSize),
    });
    expect(result.cosignedBy.sort()).toEqual(['witness.test/a', 'witness.test/c']);
    const cosigned = addCosignatures(note, result.cosignatures);
    const opened = openCheckpoint(
      cosigned,
      logVerifier,
      running.map((r) => r.vkey),
    );
    expect(opened.note.signatures).toHaveLength(3);
    // Adding the same lines again changes nothing.
    expect(addCosignatures(cosigned, result.cosignatures)).toBe(cosigned);
  });

  it('retries once from the size a witness reports, with a proof from that size', async () => {
    const { running, clients } = await threeWitnesses();
    const log = new TestLog().grow(100);
    // Witness a already cosigned size 100 through someone else's client.
    expect((await post((running[0] as Running).url, await log.request(0))).status).toBe(200);
    log.grow(200);
    const asked: number[] = [];
    const result = await cosignWithQuorum({
      witnesses: clients,
      quorum: 3,
      checkpointNote: await log.checkpoint(),
      proofFrom: (oldSize) => {
        asked.push(oldSize);
        return log.proof(oldSize);
      },
    });
    expect(result.cosignatures).toHaveLength(3);
    expect(asked).toEqual([100]);
    expect(clients.map((c) => c.lastKnownSize())).toEqual([300, 300, 300]);
  });

  it('fails naming the witnesses that refused when two of three are down', async () => {
    const { running, clients } = await threeWitnesses();
    await stopWitness(running[0] as Running);
    await stopWitness(running[2] as Running);
    const log = new TestLog().grow(50);
    const failure = cosignWithQuorum({
      witnesses: clients,
      quorum: 2,
      checkpointNote: await log.checkpoint(),
      proofFrom: (oldSize) => log.proof(oldSize),
    });
    await expect(failure).rejects.toMatchObject({ code: 'witness.quorum_failed' });
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toContain('witness.test/a');
    expect(message).toContain('witness.test/c');
    expect(message).not.toMatch(/witness\.test\/b \(/);
  });

  it('does not count a forked witness, and refuses a cosignature by the wrong key', async () => {
    const { running, clients } = await threeWitnesses();
    const fork = new TestLog(origin, logSigner, 'forked').grow(300);
    expect((await post((running[0] as Running).url, await fork.request(0))).status).toBe(200);
    const log = new TestLog().grow(300);
    const wrongKey = createWitnessClient({
      url: (running[1] as Running).url,
      vkey: newWitnessKey('witness.test/b').verifier,
    });
    const failure = cosignWithQuorum({
      witnesses: [clients[0] as WitnessClient, wrongKey, clients[2] as WitnessClient],
      quorum: 2,
      checkpointNote: await log.checkpoint(),
      proofFrom: (oldSize) => log.proof(oldSize),
    });
    await expect(failure).rejects.toMatchObject({ code: 'witness.quorum_failed' });
    const message = await failure.catch((error: Error) => error.message);
    expect(message).toMatch(/witness\.test\/a \(409 again at size 300/);
    expect(message).toMatch(/no cosignature by witness\.test\/b/);
    expect(await (running[0] as Running).witness.forks()).toHaveLength(1);
  });

  it('rejects a quorum that cannot be met by configuration', () => {
    expect(() =>
      cosignWithQuorum({ witnesses: [], quorum: 1, checkpointNote: 'x\n\n', proofFrom: async () => [] }),
    ).toThrow(/quorum/);
  });
});

describe('witness client', () => {
  it('times out a witness that does not answer', async () => {
    const vkey = newWitnessKey('witness.test/slow').verifier;
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted')));
      });
    const client = createWitnessClient({
      url: 'http://witness.invalid',
      vkey,
      fetch: hanging,
      timeoutMs: 50,
    });
    const log = new TestLog().grow(1);
    await expect(
      client.addCheckpoint({ oldSize: 0, proof: [], signedCheckpoint: await log.checkpoint() }),
    ).rejects.toMatchObject({
      code: 'witness.unavailable',
      message: expect.stringMatching(/no answer within 50 ms/),
    });
  });

  it('treats a malformed 409 body or an unexpected status as an unavailable witness', async () => {
    const vkey = newWitnessKey('witness.test/odd').verifier;
    const log = new TestLog().grow(1);
    const signedCheckpoint = await log.checkpoint();
    for (const [status, body] of [
      [409, 'lots\n'],
      [500, 'boom'],
      [200, 'not a signature line\n'],
    ] as const) {
      const client = createWitnessClient({
        url: 'http://witness.invalid/',
        vkey,
        fetch: async () => new Response(body, { status }),
      });
      await expect(client.addCheckpoint({ oldSize: 0, proof: [], signedCheckpoint })).rejects.toMatchObject({
        code: 'witness.unavailable',
      });
    }
  });
});
