/**
 * Loads the transparency-log test vectors kept in test/vectors/tlog (sources and licences in its
 * README).
 * JSON numbers above 2^53 (a uint64 "index - 1" probe) parse to unsafe integers, which the
 * verifiers refuse, so they still exercise the rejection path.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

export const vectorsDir = path.join(import.meta.dirname, '../vectors/tlog');

/** Parses one vector file, given relative to the vectors folder. */
export function loadVectors<T>(relativePath: string): T {
  return JSON.parse(readFileSync(path.join(vectorsDir, relativePath), 'utf8')) as T;
}

/** Bytes of a lowercase hex string. */
export function hex(text: string): Uint8Array {
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** An in-memory perfect-subtree store filled from CompactRange.append results. */
export function nodeStore() {
  const nodes = new Map<string, Uint8Array>();
  return {
    nodes,
    put(level: number, index: number, hash: Uint8Array) {
      nodes.set(`${level}/${index}`, hash);
    },
    read: async (level: number, index: number): Promise<Uint8Array> => {
      const hash = nodes.get(`${level}/${index}`);
      if (!hash) throw new Error(`no node ${level}/${index}`);
      return hash;
    },
  };
}
