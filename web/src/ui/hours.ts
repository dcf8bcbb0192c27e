// The hourly windows the overviews read (`?from&to` on hour boundaries) and how their hours are
// labelled on a chart's axis. Pure, so the modules' summaries share one notion of "the last 24 hours".

export type SummaryWindow = '24h' | '7d';

export const hourMs = 3_600_000;
const windowHours: Record<SummaryWindow, number> = { '24h': 24, '7d': 7 * 24 };

/** The hours a window covers, ending with the current hour: [from, to) on hour boundaries. */
export function summaryRange(window: SummaryWindow, now: number): { from: number; to: number } {
  const to = now - (now % hourMs) + hourMs;
  return { from: to - windowHours[window] * hourMs, to };
}

/** The start of every hour in [from, to), oldest first. */
export function hourStarts(from: number, to: number): number[] {
  const hours: number[] = [];
  for (let hour = from - (from % hourMs); hour < to; hour += hourMs) hours.push(hour);
  return hours;
}

/** The window in words: "the last 24 hours". */
export function windowWords(window: SummaryWindow): string {
  return window === '7d' ? 'the last 7 days' : 'the last 24 hours';
}

const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayHourLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: '2-digit' });

/** Axis labels for these hours: the time of day, with the weekday over 7 days. */
export function hourAxisLabels(hours: number[], window: SummaryWindow): string[] {
  const label = window === '7d' ? dayHourLabel : hourLabel;
  return hours.map((hour) => label.format(new Date(hour)));
}
