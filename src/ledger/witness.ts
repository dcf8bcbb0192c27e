/**
 * A transparency-log witness (c2sp.org/tlog-witness): it cosigns a log's checkpoint only when the
 * log proves the checkpoint extends the last one the witness cosigned for that origin, so a log
 * that shows different histories to different people is caught. Served by its own small HTTP app.
 */
import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import type { Clock } from '../core/clock.js';
import { CustosError, isCustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { bytesEqual, fromBase64, toBase64 } from './bytes.js';
import { type Checkpoint, parseCheckpoint, signCosignature } from './checkpoint.js';
import { emptyRoot, HASH_SIZE, verifyConsistency } from './merkle.js';
import { openNote } from './note.js';
import {
  COSIGNATURE_V1,
  ED25519,
  formatKeyId,
  formatVerifierKey,
  type SignerKey,
  type VerifierKey,
} from './note.key.js';
import { createKeyedMutex, type ForkEvidence, type WitnessState } from './witness.state.js';

/** A log the witness cosigns for: its origin line and a key that signs its checkpoints. */
export interface WitnessLog {
  readonly origin: string;
  readonly vkey: VerifierKey;
}

export interface WitnessOptions {
  /** The witness's cosignature/v1 (type 0x04) signer key. */
  readonly key: SignerKey;
  /** Logs it accepts; an origin may be listed more than once to trust several keys. */
  readonly logs: readonly WitnessLog[];
  readonly state: WitnessState;
  readonly clock: Clock;
  readonly logger: Logger;
}

/** A parsed add-checkpoint request body. */
export interface AddCheckpointRequest {
  readonly oldSize: number;
  readonly proof: readonly Uint8Array[];
  /** The signed checkpoint note. */
  readonly note: string;
}

/** What a successful add-checkpoint answers. */
export interface Cosigned {
  /** The response body: the cosignature line(s), each ending in a newline. */
  readonly body: string;
  readonly checkpoint: Checkpoint;
}

export interface Witness {
  /** The witness's key name. */
  readonly name: string;
  /** The witness's verifier key text (type 0x04), as logs and clients configure it. */
  readonly vkey: string;
  /**
   * Handles one add-checkpoint request body. Throws CustosError: witness.bad_request (400),
   * witness.untrusted_checkpoint (403), witness.unknown_log (404), witness.conflict or
   * witness.fork (409, details.knownSize) and ledger.invalid_proof (422).
   */
  addCheckpoint(body: string): Promise<Cosigned>;
  /** Every fork the witness refused, with both signed notes. */
  forks(): Promise<ForkEvidence[]>;
}

/** The spec's cap on consistency proof lines; a proof in a tree of 2^63 leaves is shorter. */
export const MAX_PROOF_LINES = 63;

function badRequest(message: string): CustosError {
  return new CustosError('witness.bad_request', message);
}

function decimal(text: string, what: string): number {
  if (!/^(?:0|[1-9][0-9]*)$/.test(text)) throw badRequest(`${what} ${JSON.stringify(text)} is not a decimal`);
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw badRequest(`${what} ${text} is larger than 2^53 - 1`);
  return value;
}

/** Parses an add-checkpoint body: `old <size>`, proof lines, an empty line, a signed checkpoint. */
export function parseAddCheckpointRequest(body: string): AddCheckpointRequest {
  let position = 0;
  const nextLine = (): string => {
    const end = body.indexOf('\n', position);
    if (end < 0) throw badRequest('the request ends before the empty line that precedes the checkpoint');
    const line = body.slice(position, end);
    position = end + 1;
    return line;
  };
  const oldLine = nextLine();
  if (!oldLine.startsWith('old ')) throw badRequest('the first line is not "old <size>"');
  const oldSize = decimal(oldLine.slice(4), 'old size');
  const proof: Uint8Array[] = [];
  for (let line = nextLine(); line !== ''; line = nextLine()) {
    if (proof.length === MAX_PROOF_LINES)
      throw badRequest(`more than ${MAX_PROOF_LINES} consistency proof lines`);
    const hash = fromBase64(line);
    if (hash === undefined || hash.length !== HASH_SIZE) {
      throw badRequest(
        `consistency proof line ${proof.length + 1} is not base64 of a ${HASH_SIZE}-byte hash`,
      );
    }
    proof.push(hash);
  }
  const note = body.slice(position);
  if (note === '') throw badRequest('the request has no checkpoint');
  return { oldSize, proof, note };
}

/** The first line of a note, read before any verification only to pick the keys to verify with. */
function claimedOrigin(note: string): string {
  const end = note.indexOf('\n');
  return end < 0 ? note : note.slice(0, end);
}

/** Builds a witness over `state`; requests for one origin are handled one at a time. */
export function createWitness(options: WitnessOptions): Witness {
  const { key, state, clock, logger } = options;
  if (key.type !== COSIGNATURE_V1) {
    throw new CustosError(
      'config.invalid',
      `witness key ${key.name} is not a cosignature/v1 (type 0x04) key; tlog-witness cosigns with one`,
    );
  }
  const trusted = new Map<string, VerifierKey[]>();
  for (const log of options.logs) {
    if (log.vkey.type !== ED25519) {
      throw new CustosError(
        'config.invalid',
        `log key ${log.vkey.name}+${formatKeyId(log.vkey.keyId)} for ${log.origin} is not an Ed25519 (type 0x01) key`,
      );
    }
    trusted.set(log.origin, [...(trusted.get(log.origin) ?? []), log.vkey]);
  }
  const lock = createKeyedMutex();

  /** Verifies the log's signature and parses the checkpoint; 400, 403 or 404 otherwise. */
  function openSubmitted(note: string): { checkpoint: Checkpoint; text: string } {
    const origin = claimedOrigin(note);
    const keys = trusted.get(origin);
    if (!keys) {
      throw new CustosError(
        'witness.unknown_log',
        `the witness does not know the log ${JSON.stringify(origin)}`,
      );
    }
    let text: string;
    try {
      text = openNote(note, keys).text;
    } catch (error) {
      if (
        isCustosError(error, 'ledger.unverified_note') ||
        isCustosError(error, 'ledger.invalid_signature')
      ) {
        throw new CustosError(
          'witness.untrusted_checkpoint',
          `no signature on the checkpoint verifies with a key trusted for ${origin}`,
        );
      }
      if (isCustosError(error)) throw badRequest(error.message);
      throw error;
    }
    try {
      return { checkpoint: parseCheckpoint(text), text };
    } catch (error) {
      if (isCustosError(error)) throw badRequest(error.message);
      throw error;
    }
  }

  async function reportFork(checkpoint: Checkpoint, known: { root: Uint8Array; note: string }, note: string) {
    const evidence: ForkEvidence = {
      origin: checkpoint.origin,
      size: checkpoint.size,
      cosigned: { root: toBase64(known.root), note: known.note },
      conflicting: { root: toBase64(checkpoint.root), note },
      detectedAt: clock.now(),
    };
    const recorded = await state.recordFork(evidence);
    logger.error(
      {
        origin: evidence.origin,
        size: evidence.size,
        cosignedRoot: evidence.cosigned.root,
        conflictingRoot: evidence.conflicting.root,
        recorded,
      },
      'witness: fork detected, the log signed two checkpoints of one size with different roots',
    );
  }

  async function advance(request: AddCheckpointRequest, checkpoint: Checkpoint, text: string) {
    const known = await state.get(checkpoint.origin);
    const knownSize = known?.size ?? 0;
    if (known && checkpoint.size === known.size && !bytesEqual(checkpoint.root, known.root)) {
      // Checked before the old size: a fork is evidence whatever old size the log claims.
      await reportFork(checkpoint, known, request.note);
      throw new CustosError(
        'witness.fork',
        `checkpoint ${checkpoint.origin}@${checkpoint.size} has a different root from the one the witness cosigned`,
        { knownSize },
      );
    }
    if (request.oldSize !== knownSize) {
      throw new CustosError(
        'witness.conflict',
        `old size ${request.oldSize} is not ${knownSize}, the size the witness last cosigned`,
        { knownSize },
      );
    }
    if (checkpoint.size === 0 && !bytesEqual(checkpoint.root, emptyRoot())) {
      throw new CustosError('ledger.invalid_proof', 'a checkpoint of size 0 must carry the empty tree hash');
    }
    if (known === undefined || knownSize === 0) {
      // An empty tree is a prefix of every tree; the spec requires the proof to be empty then.
      if (request.proof.length > 0) {
        throw new CustosError('ledger.invalid_proof', 'a consistency proof from size 0 must be empty');
      }
    } else {
      try {
        verifyConsistency(knownSize, checkpoint.size, request.proof, known.root, checkpoint.root);
      } catch (error) {
        if (isCustosError(error, 'ledger.invalid_proof')) {
          // A validly signed checkpoint without a valid proof may be the log misbehaving.
          logger.warn(
            { origin: checkpoint.origin, oldSize: knownSize, size: checkpoint.size, note: request.note },
            'witness: consistency proof does not verify',
          );
        }
        throw error;
      }
    }
    // Sign before persisting so that nothing can fail between the durable write and the answer.
    const line = signCosignature(text, key, Math.floor(clock.now() / 1000));
    const unchanged = known !== undefined && known.size === checkpoint.size;
    if (!unchanged) {
      const next = { size: checkpoint.size, root: checkpoint.root, note: request.note };
      if (!(await state.compareAndSet(checkpoint.origin, knownSize, next))) {
        const current = (await state.get(checkpoint.origin))?.size ?? 0;
        throw new CustosError(
          'witness.conflict',
          `the witness state for ${checkpoint.origin} moved to size ${current} meanwhile`,
          { knownSize: current },
        );
      }
      logger.info(
        { origin: checkpoint.origin, oldSize: knownSize, size: checkpoint.size },
        'witness: cosigned checkpoint',
      );
    }
    return { body: line, checkpoint };
  }

  return {
    name: key.name,
    vkey: formatVerifierKey({ name: key.name, type: COSIGNATURE_V1, publicKey: key.publicKey }),
    addCheckpoint: async (body) => {
      const request = parseAddCheckpointRequest(body);
      const { checkpoint, text } = openSubmitted(request.note);
      if (request.oldSize > checkpoint.size) {
        throw badRequest(`old size ${request.oldSize} is larger than the checkpoint size ${checkpoint.size}`);
      }
      return lock(checkpoint.origin, () => advance(request, checkpoint, text));
    },
    forks: () => state.forks(),
  };
}

export interface WitnessServerOptions {
  readonly logger: Logger;
  /** Largest accepted request body; a checkpoint with a 63-line proof is under 4 KiB. */
  readonly bodyLimit?: number;
}

/** The content type of a 409 body: the witness's known size, in decimal, and a newline. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size';

const requestIdPattern = /^[A-Za-z0-9._:-]{8,64}$/;

function sendError(error: CustosError, reply: FastifyReply) {
  const knownSize = error.details?.knownSize;
  if (error.status === 409 && typeof knownSize === 'number') {
    return reply.status(409).type(TLOG_SIZE_CONTENT_TYPE).send(`${knownSize}\n`);
  }
  return reply.status(error.status).type('text/plain; charset=utf-8').send(`${error.message}\n`);
}

/**
 * The witness's HTTP app: `POST /add-checkpoint` as c2sp.org/tlog-witness specifies it and
 * `GET /healthz`. It is separate from the main API so a witness can run on its own host.
 */
export function createWitnessServer(witness: Witness, options: WitnessServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? 64 * 1024;
  const app = Fastify({
    // pino's Logger and Fastify's logger type differ only in optional members.
    loggerInstance: options.logger as FastifyBaseLogger,
    bodyLimit,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : `rid_${randomUUID()}`;
    },
    return503OnClosing: true,
  });
  // The protocol does not name a request content type, so every body is taken as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_request, body, done) => {
    done(null, body);
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isCustosError(error)) {
      if (error.status >= 500) request.log.error({ err: error }, error.message);
      return sendError(error, reply);
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.status(status).type('text/plain; charset=utf-8').send(`${error.message}\n`);
    }
    request.log.error({ err: error }, 'witness: unhandled error');
    return reply
      .status(500)
      .type('text/plain; charset=utf-8')
      .send(`internal error (request ${request.id})\n`);
  });
  app.setNotFoundHandler((_request, reply) =>
    reply.status(404).type('text/plain; charset=utf-8').send('no such route\n'),
  );

  app.post('/add-checkpoint', async (request, reply) => {
    if (typeof request.body !== 'string' || request.body === '') {
      throw badRequest('the request body is empty');
    }
    const cosigned = await witness.addCheckpoint(request.body);
    return reply.status(200).type('text/plain; charset=utf-8').send(cosigned.body);
  });
  app.get('/healthz', async (_request, reply) => reply.type('text/plain; charset=utf-8').send('ok\n'));
  // Fork evidence is two checkpoints signed by the log itself: public by nature, and the reason
  // a witness exists, so anyone may read it.
  app.get('/forks', async (_request, reply) =>
    reply.type('application/json').send(JSON.stringify(await witness.forks())),
  );
  return app;
}
