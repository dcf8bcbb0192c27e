import { parseSignatureLine } from './note.js';

// A cosignature/v1 signature is an 8-byte timestamp and a 64-byte Ed25519 signature.
const cosignatureBytes = 8 + 64;

/**
 * The newest witness timestamp (POSIX seconds) among a signed checkpoint's cosignatures, or
 * undefined when it carries none. Read without verifying: meant for a note this node already
 * checked when it gathered the cosignatures, to tell how fresh they are.
 */
export function latestCosignatureTime(signedNote: string): number | undefined {
  const split = signedNote.indexOf('\n\n');
  if (split < 0) return undefined;
  let latest: number | undefined;
  for (const line of signedNote.slice(split + 2).split('\n')) {
    if (!line) continue;
    const { signature } = parseSignatureLine(line);
    if (signature.length !== cosignatureBytes) continue;
    const seconds = Number(new DataView(signature.buffer, signature.byteOffset).getBigUint64(0));
    latest = Math.max(latest ?? 0, seconds);
  }
  return latest;
}
