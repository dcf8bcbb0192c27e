/**
 * The log's side of c2sp.org/tlog-witness: submit a checkpoint with a consistency proof, verify
 * the cosignature that comes back, and gather a quorum of cosignatures before publishing.
 * No server dependencies: only fetch and the ledger primitives.
 */
import { CustosError, isCustosError } from '../core/errors.js';
import { toBase64 } from './bytes.js';
import { parseCheckpoint, verifyCosignature } from './checkpoint.js';
import { HASH_SIZE } from './merkle.js';
import { parseSignatureLine } from './note.js';
import { COSIGNATURE_V1, formatKeyId, type VerifierKey } from './note.key.js';

/** What a log submits: its signed checkpoint and a proof from the size the witness knows. */
export interface AddCheckpointInput {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  /** The checkpoint note signed by the log. */
  readonly signedCheckpoint: string;
}

/** A cosignature, or the witness's known size when the old size was not it (409). */
export type AddCheckpointResult =
  | { readonly kind: 'cosigned'; readonly cosignature: string; readonly timestamp: number }
  | { readonly kind: 'conflict'; readonly knownSize: number };

export interface WitnessClient {
  /** The witness's key name. */
  readonly name: string;
  /** The submission prefix (add-checkpoint is POSTed under it). */
  readonly url: string;
  readonly vkey: VerifierKey;
  /** The size this witness last cosigned or reported; the old size of the next request. */
  lastKnownSize(): number | undefined;
  /**
   * Submits a checkpoint. Returns the verified cosignature line (newline included) or, on 409,
   * the witness's known size. Throws CustosError: witness.bad_request (400),
   * witness.untrusted_checkpoint (403), witness.unknown_log (404), ledger.invalid_proof (422),
   * witness.unavailable (unreachable, timed out, any other answer, or a bad cosignature).
   */
  addCheckpoint(input: AddCheckpointInput): Promise<AddCheckpointResult>;
}

export interface WitnessClientOptions {
  /** The witness's submission prefix, e.g. `https://witness.example/`. */
  readonly url: string;
  /** The witness's cosignature/v1 verifier key. */
  readonly vkey: VerifierKey;
  readonly fetch?: typeof globalThis.fetch;
  /** Per request; default 10 seconds. */
  readonly timeoutMs?: number;
}

/** The note text (body) of a signed note: everything up to the last blank line. */
function noteBody(signedNote: string): string {
  const split = signedNote.lastIndexOf('\n\n');
  if (split < 0)
    throw new CustosError('ledger.invalid_note', 'malformed note: no blank line before signatures');
  return signedNote.slice(0, split + 1);
}

/** Formats an add-checkpoint request body. */
export function formatAddCheckpointRequest(input: AddCheckpointInput): string {
  const { oldSize, proof, signedCheckpoint } = input;
  if (!Number.isSafeInteger(oldSize) || oldSize < 0) {
    throw new CustosError('witness.bad_request', `old size ${oldSize} is not a tree size`);
  }
  if (proof.length > 63) throw new CustosError('witness.bad_request', 'a proof has at most 63 hashes');
  for (const hash of proof) {
    if (hash.length !== HASH_SIZE) {
      throw new CustosError('witness.bad_request', `proof hash is ${hash.length} bytes, not ${HASH_SIZE}`);
    }
  }
  return `old ${oldSize}\n${proof.map((hash) => `${toBase64(hash)}\n`).join('')}\n${signedCheckpoint}`;
}

/** Appends cosignature lines to a signed note's signature block, skipping ones it already has. */
export function addCosignatures(signedNote: string, lines: readonly string[]): string {
  const body = noteBody(signedNote);
  if (!signedNote.endsWith('\n')) {
    throw new CustosError('ledger.invalid_note', 'malformed note: the last signature line has no newline');
  }
  const present = new Set(signedNote.slice(body.length + 1).split('\n'));
  let result = signedNote;
  for (const raw of lines) {
    const line = raw.endsWith('\n') ? raw.slice(0, -1) : raw;
    parseSignatureLine(line);
    if (present.has(line)) continue;
    present.add(line);
    result += `${line}\n`;
  }
  return result;
}

function unavailable(name: string, url: string, reason: string, details: Record<string, unknown> = {}) {
  return new CustosError('witness.unavailable', `witness ${name} at ${url}: ${reason}`, {
    witness: name,
    ...details,
  });
}

/** The cosignature by `vkey` among the response lines, verified; other keys' lines are ignored. */
function cosignatureIn(body: string, text: string, vkey: VerifierKey, fail: (reason: string) => CustosError) {
  if (!body.endsWith('\n')) throw fail('the response does not end with a newline');
  for (const line of body.slice(0, -1).split('\n')) {
    let parsed: ReturnType<typeof parseSignatureLine>;
    try {
      parsed = parseSignatureLine(line);
    } catch {
      throw fail('the response is not a list of signature lines');
    }
    if (parsed.name !== vkey.name || parsed.keyId !== vkey.keyId) continue;
    try {
      return { cosignature: `${line}\n`, timestamp: verifyCosignature(text, line, vkey) };
    } catch {
      throw fail('its cosignature does not verify with its key');
    }
  }
  throw fail(`the response has no cosignature by ${vkey.name}+${formatKeyId(vkey.keyId)}`);
}

const statusCodes = {
  400: 'witness.bad_request',
  403: 'witness.untrusted_checkpoint',
  404: 'witness.unknown_log',
  422: 'ledger.invalid_proof',
} as const;

/** A client for one witness. */
export function createWitnessClient(options: WitnessClientOptions): WitnessClient {
  const { vkey } = options;
  if (vkey.type !== COSIGNATURE_V1) {
    throw new CustosError(
      'config.invalid',
      `witness key ${vkey.name} is not a cosignature/v1 (type 0x04) key`,
    );
  }
  const doFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const url = options.url;
  const endpoint = `${url.replace(/\/+$/, '')}/add-checkpoint`;
  let knownSize: number | undefined;

  async function post(body: string): Promise<{ status: number; text: string }> {
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await doFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body,
        signal,
      });
      return { status: response.status, text: await response.text() };
    } catch (error) {
      const reason = signal.aborted
        ? `no answer within ${timeoutMs} ms`
        : `unreachable (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`;
      throw unavailable(vkey.name, url, reason);
    }
  }

  return {
    name: vkey.name,
    url,
    vkey,
    lastKnownSize: () => knownSize,
    addCheckpoint: async (input) => {
      const text = noteBody(input.signedCheckpoint);
      const checkpoint = parseCheckpoint(text);
      const { status, text: answer } = await post(formatAddCheckpointRequest(input));
      if (status === 200) {
        const cosigned = cosignatureIn(answer, text, vkey, (reason) => unavailable(vkey.name, url, reason));
        knownSize = checkpoint.size;
        return { kind: 'cosigned', ...cosigned };
      }
      if (status === 409) {
        const match = /^(0|[1-9][0-9]*)\n$/.exec(answer);
        const size = match ? Number(match[1]) : Number.NaN;
        if (!Number.isSafeInteger(size))
          throw unavailable(vkey.name, url, 'its 409 answer is not a tree size');
        knownSize = size;
        return { kind: 'conflict', knownSize: size };
      }
      const code = statusCodes[status as keyof typeof statusCodes];
      const said = answer.trim().slice(0, 200);
      if (code) {
        throw new CustosError(code, `witness ${vkey.name} refused the checkpoint (${status}): ${said}`, {
          witness: vkey.name,
          status,
        });
      }
      throw unavailable(vkey.name, url, `answered ${status}: ${said}`, { status });
    },
  };
}

export interface QuorumOptions {
  readonly witnesses: readonly WitnessClient[];
  /** How many witnesses must cosign; 1 to witnesses.length. */
  readonly quorum: number;
  /** The checkpoint note signed by the log. */
  readonly checkpointNote: string;
  /** A consistency proof from `oldSize` to the checkpoint's size (not called for 0 or that size). */
  readonly proofFrom: (oldSize: number) => Promise<Uint8Array[]>;
}

/** Why one witness did not cosign. */
export interface WitnessRefusal {
  readonly witness: string;
  readonly url: string;
  readonly reason: string;
}

export interface QuorumResult {
  /** Verified cosignature lines, one per cosigning witness, each ending in a newline. */
  readonly cosignatures: string[];
  readonly cosignedBy: string[];
  /** Witnesses that refused before the quorum was reached. */
  readonly refused: WitnessRefusal[];
}

/**
 * Asks every witness to cosign, in parallel, and resolves once `quorum` of them did. A witness
 * that answers 409 is asked once more with a proof from the size it reported. Each cosignature
 * is verified before it counts. Throws witness.quorum_failed naming the witnesses that refused
 * as soon as the quorum can no longer be reached.
 */
export function cosignWithQuorum(options: QuorumOptions): Promise<QuorumResult> {
  const { witnesses, quorum, checkpointNote } = options;
  if (!Number.isInteger(quorum) || quorum < 1 || quorum > witnesses.length) {
    throw new CustosError(
      'config.invalid',
      `witness quorum ${quorum} must be between 1 and the number of witnesses (${witnesses.length})`,
    );
  }
  const text = noteBody(checkpointNote);
  const checkpoint = parseCheckpoint(text);
  const proofs = new Map<number, Promise<Uint8Array[]>>();
  const proofFrom = (oldSize: number): Promise<Uint8Array[]> => {
    if (oldSize === 0 || oldSize === checkpoint.size) return Promise.resolve([]);
    let proof = proofs.get(oldSize);
    if (!proof) {
      proof = options.proofFrom(oldSize);
      proofs.set(oldSize, proof);
    }
    return proof;
  };

  async function ask(witness: WitnessClient): Promise<string> {
    let oldSize = Math.min(witness.lastKnownSize() ?? 0, checkpoint.size);
    for (let attempt = 0; ; attempt++) {
      const result = await witness.addCheckpoint({
        oldSize,
        proof: await proofFrom(oldSize),
        signedCheckpoint: checkpointNote,
      });
      if (result.kind === 'cosigned') {
        verifyCosignature(text, result.cosignature, witness.vkey);
        return result.cosignature;
      }
      if (result.knownSize > checkpoint.size) {
        throw new Error(`it already cosigned size ${result.knownSize}, larger than ${checkpoint.size}`);
      }
      if (attempt > 0 || result.knownSize === oldSize) {
        // Same size twice: the witness holds a different checkpoint of this size (a fork).
        throw new Error(`409 again at size ${result.knownSize} (a fork or a concurrent submission)`);
      }
      oldSize = result.knownSize;
    }
  }

  return new Promise((resolve, reject) => {
    const cosignatures: string[] = [];
    const cosignedBy: string[] = [];
    const refused: WitnessRefusal[] = [];
    let settled = false;
    for (const witness of witnesses) {
      ask(witness).then(
        (line) => {
          if (settled) return;
          cosignatures.push(line);
          cosignedBy.push(witness.name);
          if (cosignatures.length === quorum) {
            settled = true;
            resolve({ cosignatures, cosignedBy, refused: [...refused] });
          }
        },
        (error: unknown) => {
          if (settled) return;
          const reason = isCustosError(error) || error instanceof Error ? error.message : String(error);
          refused.push({ witness: witness.name, url: witness.url, reason });
          if (witnesses.length - refused.length < quorum) {
            settled = true;
            const names = refused.map((r) => `${r.witness} (${r.reason})`).join('; ');
            reject(
              new CustosError(
                'witness.quorum_failed',
                `checkpoint ${checkpoint.origin}@${checkpoint.size}: only ${witnesses.length - refused.length} of ` +
                  `${witnesses.length} witnesses can still cosign, ${quorum} needed; refused: ${names}`,
                { refused, quorum },
              ),
            );
          }
        },
      );
    }
  });
}
