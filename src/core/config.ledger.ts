import { z } from 'zod';
import { duration, int } from './config.fields.js';

/** `ledger`: the log's origin, files, keys, group-commit tuning and witnesses. */
export const ledgerConfig = z
  .object({
    origin: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9.:/_-]{0,127}$/, 'expected a schema-less URL such as example.com/custos')
      .default('localhost/custos')
      .describe('Origin line of the checkpoints and name of the signing key.'),
    dir: z
      .string()
      .min(1)
      .optional()
      .describe('Folder of the public tiles and checkpoint; default <dataDir>/ledger.'),
    keyFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Signing key (note skey format); created at first start; default <dataDir>/keys/ledger.skey.',
      ),
    maxDelay: duration('1s').describe(
      'Longest wait between sequencing an entry and its checkpoint; a proof asked for sooner starts one at once.',
    ),
    maxBatch: int(1, 1_000_000).default(16_384).describe('Most entries integrated per checkpoint.'),
    maxGroup: int(1, 100_000).default(8192).describe('Most records committed in one store transaction.'),
    maxPending: int(1, 10_000_000)
      .default(200_000)
      .describe('Appends allowed to wait; beyond it appends fail closed.'),
    tileCacheSize: int(16, 1_000_000).default(4096).describe('Tiles kept in memory for proofs.'),
    witnesses: z
      .array(
        z
          .object({
            url: z
              .url({ protocol: /^https?$/ })
              .describe('Base URL of the witness (add-checkpoint is under it).'),
            vkey: z.string().min(1).describe('The witness cosignature verifier key.'),
          })
          .strict(),
      )
      .max(32)
      .default([])
      .describe('Witnesses that must cosign each checkpoint before it is published.'),
    witnessQuorum: int(0, 32).optional().describe('Cosignatures required; default all configured witnesses.'),
    unreadyAfter: duration('1m').describe(
      'How long checkpoint publication may keep failing (ledger folder unwritable, witness quorum not met) ' +
        'before /readyz answers 503; a full disk is reported at once. One minute rides out a witness restart ' +
        '(a request times out after 10 s, retries back off to 5 s) yet alerts within a minute.',
    ),
    staleAfter: duration('5m').describe(
      'How long an entry may wait for a published checkpoint before access checks stop permitting ' +
        '(reason ledger.publication_stale); must exceed maxDelay. Accesses permitted meanwhile are in no ' +
        'published, witnessed checkpoint: five minutes bounds that window but rides out a short outage.',
    ),
  })
  .strict()
  .prefault({});
