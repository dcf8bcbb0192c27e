import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import {
  type AssessorInput,
  type BadRowReason,
  classify,
  type RbaHeader,
  type RowClass,
  readRbaHeader,
  splitRbaRow,
  toAssessorInput,
} from './eval.csv.js';
import { createBalancedLines } from './eval.lines.js';
import { type AucEstimate, createScoreTally, type ThresholdPoint } from './eval.metrics.js';
import { createReorderBuffer } from './eval.order.js';
import type { Assessor } from './types.js';

/**
 * Replays a login log in the RBA data set's format through an Assessor, streaming, and scores
 * the answers against the log's own labels. Memory stays flat however long the file is: one row
 * at a time from disk, a small reorder buffer, and score bins (see eval.metrics.ts); only the
 * assessor's own state grows.
 */

export interface EvalDeps {
  assessor: Assessor;
  /** Wall time, for rows per second only; event times come from the file. */
  stopwatch: Clock;
  /** Called now and then with bytes read so far and the file's size. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
}

export interface EvalOptions {
  file: string;
  /** Stop after this many data rows. */
  limit?: number;
  /** How far back in event time a row may arrive and still be put in order (default 5 minutes). */
  reorderWindowMs?: number;
  /** The most rows held for reordering (default 100,000). */
  reorderCapacity?: number;
}

/** The legitimate-challenge shares the report gives takeover catch rates at. */
export const legitimateShareTargets = [0.01, 0.02, 0.05] as const;

export interface EvalReport {
  file: string;
  /** Data rows read (header excluded), bad ones included. */
  rows: number;
  /** Rows the assessor answered. */
  assessed: number;
  badRows: { total: number } & Record<BadRowReason, number>;
  order: { reordered: number; late: number };
  classes: Record<RowClass, number>;
  /** Assessments whose score was NaN (left out of the AUC and thresholds). */
  invalidScores: number;
  auc: AucEstimate;
  /** By the assessor's own decisions: anything but `allow`. */
  takeoversChallengedOrDenied: { count: number; share: number | null };
  legitimateChallengedOrDenied: { count: number; share: number | null };
  atLegitimateShares: ThresholdPoint[];
  elapsedMs: number;
  rowsPerSecond: number;
}

interface Pending {
  input: AssessorInput;
  rowClass: RowClass;
}

const progressEvery = 1000;

function share(count: number, total: number): number | null {
  return total === 0 ? null : count / total;
}

/** Replays `options.file` through `deps.assessor` in event-time order and scores the answers. */
export async function evaluateLog(deps: EvalDeps, options: EvalOptions): Promise<EvalReport> {
  const size = await stat(options.file).then(
    (s) => s.size,
    () => {
      throw new CustosError('resource.not_found', `no file ${options.file}`);
    },
  );
  const started = deps.stopwatch.now();
  const bad = { total: 0, csv: 0, columns: 0, time: 0, user: 0, outcome: 0, label: 0 };
  const classes: Record<RowClass, number> = { takeover: 0, legitimate: 0, attack_ip: 0 };
  const scores = createScoreTally();
  const challenged = { takeover: 0, legitimate: 0 };
  const countBad = (reason: BadRowReason) => {
    bad[reason] += 1;
    bad.total += 1;
  };
  let rows = 0;
  let assessed = 0;

  const assess = async ({ input, rowClass }: Pending) => {
    // The assessor gets the event and the row's facts; the class stays here.
    const answer = await deps.assessor.assess(input.event, input.facts);
    assessed += 1;
    classes[rowClass] += 1;
    if (rowClass === 'attack_ip') return;
    const takeover = rowClass === 'takeover';
    scores.add(answer.score, takeover);
    if (answer.decision !== 'allow') challenged[takeover ? 'takeover' : 'legitimate'] += 1;
  };

  const buffer = createReorderBuffer<Pending>({
    timeOf: (pending) => pending.input.event.time,
    windowMs: options.reorderWindowMs ?? 5 * 60_000,
    capacity: options.reorderCapacity ?? 100_000,
  });
  const countCsvError = () => {
    rows += 1;
    countBad('csv');
  };
  const input = createReadStream(options.file, { encoding: 'utf8' });
  const parser = parse({
    bom: true,
    relax_column_count: true,
    // A stray quote inside a field is kept as text; an unbalanced line never reaches the parser.
    relax_quotes: true,
    skip_empty_lines: true,
    // Any other malformed record is counted and skipped rather than ending the replay.
    skip_records_with_error: true,
    on_skip: () => {
      countCsvError();
      return undefined;
    },
  });
  // Errors reach the loop below through the parser, which pipeline destroys with them.
  pipeline(input, createBalancedLines(countCsvError), parser, () => undefined);

  let header: RbaHeader | undefined;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = readRbaHeader(cells);
        continue;
      }
      if (options.limit !== undefined && rows >= options.limit) break;
      rows += 1;
      const split = splitRbaRow(cells, header);
      if (!split) {
        countBad('columns');
        continue;
      }
      const built = toAssessorInput(split.features);
      if ('bad' in built) {
        countBad(built.bad);
        continue;
      }
      const rowClass = classify(split.labels);
      if (rowClass === null) {
        countBad('label');
        continue;
      }
      for (const ready of buffer.push({ input: built, rowClass })) await assess(ready);
      if (rows % progressEvery === 0) deps.onProgress?.(input.bytesRead, size);
    }
  } finally {
    parser.destroy();
  }
  if (!header) throw new CustosError('request.invalid', `${options.file} is empty: no header row`);
  for (const ready of buffer.drain()) await assess(ready);
  deps.onProgress?.(size, size);

  const elapsedMs = Math.max(0, deps.stopwatch.now() - started);
  return {
    file: options.file,
    rows,
    assessed,
    badRows: bad,
    order: { reordered: buffer.reordered, late: buffer.late },
    classes,
    invalidScores: scores.invalid,
    auc: scores.auc(),
    takeoversChallengedOrDenied: {
      count: challenged.takeover,
      share: share(challenged.takeover, classes.takeover),
    },
    legitimateChallengedOrDenied: {
      count: challenged.legitimate,
      share: share(challenged.legitimate, classes.legitimate),
    },
    atLegitimateShares: scores.atLegitimateShares(legitimateShareTargets),
    elapsedMs,
    rowsPerSecond: elapsedMs > 0 ? (assessed / elapsedMs) * 1000 : 0,
  };
}
