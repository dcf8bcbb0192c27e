/**
 * Writes tlog-tiles logs for verifier tests using only the ledger primitives, independent of the
 * Custos appender, and serves a folder over HTTP the way any static web server would.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { formatCheckpoint, signCosignature } from '../../src/ledger/checkpoint.js';
import { hashLeaf } from '../../src/ledger/merkle.js';
import { CompactRange } from '../../src/ledger/merkle.range.js';
import { signNote } from '../../src/ledger/note.js';
import { COSIGNATURE_V1, formatVerifierKey, generateKey, parseSignerKey } from '../../src/ledger/note.key.js';
import {
  encodeEntryBundle,
  entriesPath,
  TILE_HEIGHT,
  TILE_WIDTH,
  tilePath,
  tilesToWrite,
} from '../../src/ledger/tiles.js';

export interface TlogFixtureOptions {
  /** Final number of entries. */
  readonly size: number;
  /** Folder to write into; a fresh temporary one by default. */
  readonly dir?: string;
  readonly origin?: string;
  /** Entry bytes for leaf i; short distinct text by default. */
  readonly entry?: (index: number) => Uint8Array;
  /**
   * Sizes of earlier checkpoints, ascending and below `size`: the log grows through them, leaving
   * their partial tiles behind, and their signed notes are returned in `checkpoints`.
   */
  readonly steps?: readonly number[];
  /** Witness key names; each cosigns every checkpoint. */
  readonly witnesses?: readonly string[];
  /** Signer key of the log; a fresh one named after the origin by default. */
  readonly skey?: string;
}

export interface TlogFixture {
  readonly dir: string;
  readonly origin: string;
  readonly vkey: string;
  readonly skey: string;
  readonly entries: Uint8Array[];
  /** Signed checkpoint notes, one per step and the last for `size`. */
  readonly checkpoints: string[];
  readonly witnesses: { name: string; vkey: string; skey: string }[];
}

const encoder = new TextEncoder();

/** Writes a valid tlog-tiles log and returns its keys and entries. */
export function writeTlogFixture(options: TlogFixtureOptions): TlogFixture {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'custos-tlog-'));
  const origin = options.origin ?? 'example.test/log';
  const { skey, vkey } = options.skey ? { skey: options.skey, vkey: '' } : generateKey(origin);
  const signer = parseSignerKey(skey);
  const witnesses = (options.witnesses ?? []).map((name) => ({ name, ...generateKey(name, COSIGNATURE_V1) }));
  const entryOf = options.entry ?? ((i: number) => encoder.encode(`entry ${i} of ${origin}`));
  const entries: Uint8Array[] = [];
  // Hashes of tree levels 0, 8, 16, …: exactly what tiles hold.
  const tileLevels: Uint8Array[][] = [];
  const range = new CompactRange();
  const checkpoints: string[] = [];
  const write = (path: string, data: Uint8Array | string) => {
    const file = join(dir, ...path.split('/'));
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, data);
  };

  let written = 0;
  for (const target of [...(options.steps ?? []), options.size]) {
    if (target < written) throw new Error(`steps must ascend: ${target} after ${written}`);
    for (let i = written; i < target; i++) {
      const entry = entryOf(i);
      entries.push(entry);
      for (const node of range.append(hashLeaf(entry))) {
        if (node.level % TILE_HEIGHT !== 0) continue;
        const level = node.level / TILE_HEIGHT;
        if (tileLevels[level] === undefined) tileLevels[level] = [];
        (tileLevels[level] as Uint8Array[])[node.index] = node.hash;
      }
    }
    for (const { level, index, width } of tilesToWrite(written, target)) {
      const first = index * TILE_WIDTH;
      const hashes = (tileLevels[level] ?? []).slice(first, first + width);
      write(tilePath(level, index, width), Buffer.concat(hashes));
      if (level === 0)
        write(entriesPath(index, width), encodeEntryBundle(entries.slice(first, first + width)));
    }
    const body = formatCheckpoint({ origin, size: target, root: range.root() });
    const now = 1_700_000_000 + checkpoints.length;
    const cosignatures = witnesses.map((w) => signCosignature(body, parseSignerKey(w.skey), now));
    const note = signNote(body, [signer]) + cosignatures.join('');
    write('checkpoint', note);
    checkpoints.push(note);
    written = target;
  }
  const verifierKey = vkey || formatVerifierKey(signer);
  return { dir, origin, vkey: verifierKey, skey, entries, checkpoints, witnesses };
}

/** Serves a folder read-only over HTTP on 127.0.0.1 (404 for anything missing), like a static host. */
export async function serveDirectory(
  dir: string,
  override?: (path: string) => { status: number; body?: string } | undefined,
): Promise<{ url: string; close: () => Promise<void> }> {
  const root = resolve(dir);
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://host').pathname).replace(
      /^\/log\//,
      '',
    );
    const special = override?.(path);
    if (special) {
      response.writeHead(special.status).end(special.body ?? '');
      return;
    }
    const file = resolve(root, path);
    if (!file.startsWith(root + sep)) {
      response.writeHead(404).end();
      return;
    }
    try {
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/log/`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
