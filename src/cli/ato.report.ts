import type { EvalReport } from '../ato/eval.js';
import type { AucEstimate } from '../ato/eval.metrics.js';
import type { TakeoverTally } from '../sim/ato/metrics.js';
import type { SimReport } from '../sim/ato/run.js';
import { type Io, printTable } from './context.js';

/**
 * Human tables for the takeover evaluations, each metric beside the issue's target: at least
 * 95 % of takeovers challenged or denied, at most 1 % of legitimate logins challenged, a brute
 * force success chance below 1e-4 per number per day, and no owner locked out.
 */

/** `0.9523` → `95.2 %`; `-` when there was nothing to count. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined ? '-' : `${(share * 100).toFixed(1)} %`;
}

function auc(estimate: AucEstimate): string {
  if (estimate.value === null) return '-';
  const bound = estimate.errorBound > 0.0005 ? ` ± ${estimate.errorBound.toFixed(3)}` : '';
  return `${estimate.value.toFixed(3)}${bound}`;
}

function met(ok: boolean | null): string {
  return ok === null ? '' : ok ? 'yes' : 'NO';
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** Prints an `ato eval` report. */
export function printEvalReport(io: Io, report: EvalReport): void {
  const takeovers = report.takeoversChallengedOrDenied.share;
  const legitimate = report.legitimateChallengedOrDenied.share;
  const bad = Object.entries(report.badRows)
    .filter(([reason, n]) => reason !== 'total' && n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const rows: Array<Record<string, string>> = [
    { metric: 'rows read', value: count(report.rows), target: '', met: '' },
    {
      metric: 'bad rows',
      value: `${count(report.badRows.total)}${bad ? ` (${bad})` : ''}`,
      target: '',
      met: '',
    },
    {
      metric: 'rows out of order',
      value: `${count(report.order.reordered)} reordered, ${count(report.order.late)} late`,
      target: '',
      met: '',
    },
    {
      metric: 'takeover / legitimate / attack-IP rows',
      value: `${count(report.classes.takeover)} / ${count(report.classes.legitimate)} / ${count(report.classes.attack_ip)}`,
      target: '',
      met: '',
    },
    { metric: 'ROC AUC, takeovers vs legitimate', value: auc(report.auc), target: '', met: '' },
    {
      metric: 'takeovers challenged or denied',
      value: percent(takeovers),
      target: '>= 95 %',
      met: met(takeovers === null ? null : takeovers >= 0.95),
    },
    {
      metric: 'legitimate logins challenged or denied',
      value: percent(legitimate),
      target: '<= 1 %',
      met: met(legitimate === null ? null : legitimate <= 0.01),
    },
    ...report.atLegitimateShares.map((point) => ({
      metric: `takeovers caught, threshold challenging ${percent(point.target)} of legitimate`,
      value:
        point.threshold === null
          ? '- (ties at the top)'
          : `${percent(point.takeoverShare)} (score >= ${point.threshold.toPrecision(4)}, legitimate ${percent(point.legitimateShare)})`,
      target: '',
      met: '',
    })),
    { metric: 'rows per second', value: count(Math.round(report.rowsPerSecond)), target: '', met: '' },
  ];
  printTable(io, rows);
}

/** Prints a `sim ato` report: headline metrics, then attacks and legitimate look-alikes by kind. */
export function printSimReport(io: Io, report: SimReport): void {
  const stopped = report.takeovers.stopped.share;
  const logins = report.legitimate.loginsChallenged.share;
  const brute = report.bruteForce.successProbability;
  io.out(
    `${count(report.accounts)} accounts, ${report.days} days, seed ${report.seed}, ${count(report.events)} events (${count(report.warmupEvents)} legitimate in the warm-up, not scored), addresses ${report.addresses}`,
  );
  io.out('');
  printTable(io, [
    {
      metric: 'takeovers challenged or denied',
      value: `${percent(stopped)} of ${report.takeovers.attempts} (${report.takeovers.completed} completed)`,
      target: '>= 95 %',
      met: met(stopped === null ? null : stopped >= 0.95),
    },
    {
      metric: 'legitimate logins challenged',
      value: `${percent(logins)} of ${count(report.legitimate.loginsChallenged.of)} (denied ${percent(report.legitimate.loginsDenied.share)})`,
      target: '<= 1 %',
      met: met(logins === null ? null : logins <= 0.01),
    },
    {
      metric: 'legitimate registrations challenged',
      value: `${percent(report.legitimate.registrationsChallenged.share)} of ${count(report.legitimate.registrationsChallenged.of)}`,
      target: '',
      met: '',
    },
    {
      metric: 'brute force success per number per day',
      value:
        brute === null
          ? '-'
          : `${brute.toExponential(1)} (${count(report.bruteForce.worstPerNumberPerDay)} guesses honoured at worst${report.bruteForce.budgetExhausted > 0 ? ', at least: budget ran out' : ''})`,
      target: '< 1e-4',
      met: met(brute === null ? null : brute < 1e-4),
    },
    {
      metric: 'owners locked out by an attack',
      value: count(report.ownersLockedOut),
      target: '0',
      met: met(report.ownersLockedOut === 0),
    },
    {
      metric: 'SMS pumping requests let through',
      value: `${count(report.smsPumping.letThrough.count)} of ${count(report.smsPumping.requests)} (${percent(report.smsPumping.letThrough.share)})`,
      target: '',
      met: '',
    },
    { metric: 'ROC AUC, attack events vs legitimate', value: auc(report.auc.overall), target: '', met: '' },
    { metric: 'events per second', value: count(Math.round(report.eventsPerSecond)), target: '', met: '' },
  ]);
  io.out('');
  printTable(
    io,
    Object.entries(report.auc.byKind).map(([kind, estimate]) => {
      const takeover = (report.takeovers.byKind as Record<string, TakeoverTally | undefined>)[kind];
      return {
        attack: kind,
        launched: String(report.launched[kind as keyof SimReport['launched']]),
        stopped: takeover ? `${percent(takeover.stopped.share)} of ${takeover.attempts}` : '-',
        completed: takeover ? String(takeover.completed) : '-',
        auc: auc(estimate),
      };
    }),
  );
  io.out('');
  printTable(
    io,
    Object.entries(report.legitimate.byKind).map(([kind, tally]) => ({
      legitimate: kind,
      events: count(tally.of),
      challenged: `${count(tally.count)} (${percent(tally.share)})`,
    })),
  );
}
