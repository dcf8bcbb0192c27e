import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import { type Alert, type AlertSettings, createAlertGrouper } from './alerts.js';
import { type BaselineSettings, createBaselines, defaultBaselineSettings } from './baselines.js';
import { createDetector } from './detector.js';
import { createRuleEngine, type EngineOptions, type RuleIssue } from './sigma/index.js';
import type { CompiledRule } from './sigma/ruleset.js';

/**
 * `custos detect replay`: OCSF events as JSON lines, in time order, through the rules and the
 * insider baselines on the events' own time, nothing recorded. A fortnight of events replays in
 * seconds and raises the alerts live detection would have raised from the same events.
 */

export interface DetectReplaySummary {
  lines: number;
  events: number;
  /** Lines that were not a JSON object: the first few with their line numbers. */
  bad: number;
  badLines: { line: number; why: string }[];
  rules: number;
  ruleErrors: RuleIssue[];
  alerts: number;
  /** Candidates that joined an existing alert instead of raising a new one. */
  grouped: number;
  bySeverity: Record<string, number>;
  /** Alerts per rule key or baseline signal, most first. */
  byRule: { key: string; title: string; alerts: number; candidates: number }[];
  /** Events the engine could not correlate: too late, without a time, without a group-by field. */
  late: number;
  from: number | null;
  to: number | null;
  seconds: number;
  eventsPerSecond: number;
}

/** Replays `file`; writes the alerts as JSON lines to `out` when given, oldest first. */
export async function replayEvents(
  input: {
    file: string;
    rules: readonly CompiledRule[];
    ruleErrors?: readonly RuleIssue[];
    out?: string;
    engine?: EngineOptions;
    alerts?: Partial<AlertSettings>;
    baselines?: BaselineSettings | false;
  },
  deps: { stopwatch: Clock; onProgress?: (done: number, total: number) => void },
): Promise<{ summary: DetectReplaySummary; alerts: Alert[] }> {
  const grouper = createAlertGrouper({
    newId: () => newId('alr', deps.stopwatch),
    ...(input.alerts ? { settings: input.alerts } : {}),
  });
  const engine = createRuleEngine(input.rules, input.engine);
  const detector = createDetector({
    engine,
    grouper,
    ...(input.baselines === false
      ? {}
      : { baselines: createBaselines(input.baselines ?? defaultBaselineSettings) }),
  });
  const alerts = new Map<string, Alert>();
  const candidates = new Map<string, number>();
  const summary: DetectReplaySummary = {
    lines: 0,
    events: 0,
    bad: 0,
    badLines: [],
    rules: input.rules.length,
    ruleErrors: [...(input.ruleErrors ?? [])],
    alerts: 0,
    grouped: 0,
    bySeverity: {},
    byRule: [],
    late: 0,
    from: null,
    to: null,
    seconds: 0,
    eventsPerSecond: 0,
  };
  const bad = (line: number, why: string) => {
    summary.bad++;
    if (summary.badLines.length < 20) summary.badLines.push({ line, why });
  };
  const keep = (raised: ReturnType<typeof detector.process>) => {
    for (const r of raised) {
      if (r.outcome === 'suppressed') continue;
      alerts.set(r.alert.id, r.alert);
      candidates.set(r.alert.key, (candidates.get(r.alert.key) ?? 0) + 1);
      if (r.outcome === 'grouped') summary.grouped++;
    }
  };
  const total = statSync(input.file).size;
  const stream = createReadStream(input.file, { highWaterMark: 1 << 20 });
  const started = deps.stopwatch.now();
  for await (const text of createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY })) {
    summary.lines++;
    if (text.trim() === '') continue;
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      bad(summary.lines, 'not JSON');
      continue;
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) {
      bad(summary.lines, 'not a JSON object');
      continue;
    }
    summary.events++;
    const time = (event as { time?: unknown }).time;
    if (typeof time === 'number' && Number.isFinite(time)) {
      summary.from = summary.from === null ? time : Math.min(summary.from, time);
      summary.to = summary.to === null ? time : Math.max(summary.to, time);
    }
    keep(detector.process(event));
    if ((summary.lines & 0x3ff) === 0) deps.onProgress?.(stream.bytesRead, total);
  }
  // The end of the log closes every window still open.
  if (summary.to !== null) keep(detector.advanceTo(summary.to + 365 * 86_400_000));
  deps.onProgress?.(total, total);

  const list = [...alerts.values()].sort((a, b) => a.first - b.first || a.id.localeCompare(b.id));
  summary.alerts = list.length;
  const byRule = new Map<string, { key: string; title: string; alerts: number; candidates: number }>();
  for (const alert of list) {
    summary.bySeverity[alert.severity] = (summary.bySeverity[alert.severity] ?? 0) + 1;
    const entry = byRule.get(alert.key) ?? {
      key: alert.key,
      title: alert.title,
      alerts: 0,
      candidates: candidates.get(alert.key) ?? 0,
    };
    entry.alerts++;
    byRule.set(alert.key, entry);
  }
  summary.byRule = [...byRule.values()].sort((a, b) => b.alerts - a.alerts || a.key.localeCompare(b.key));
  const stats = engine.stats();
  summary.late = stats.late + stats.untimed + stats.ungrouped;
  summary.seconds = (deps.stopwatch.now() - started) / 1000;
  summary.eventsPerSecond = summary.events / Math.max(summary.seconds, 0.001);

  if (input.out) {
    const out = createWriteStream(input.out);
    for (const alert of list) {
      if (!out.write(`${JSON.stringify(alert)}\n`))
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
  return { summary, alerts: list };
}
