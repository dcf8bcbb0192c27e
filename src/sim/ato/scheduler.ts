import type { Assessment, Assessor } from '../../ato/types.js';
import { CustosError } from '../../core/errors.js';
import type { Actor, Step } from './actors.js';

/**
 * Runs actors on event time: the next event of all is always the earliest, so the assessor sees
 * one time-ordered stream however many actors take part. An actor starts at its start time (what
 * it does before its first event happens then, not at the beginning of the run), and only its
 * step's event and facts are handed to the assessor; the truth stays behind.
 */

interface Entry {
  time: number;
  seq: number;
  actor: Actor;
  step: Step | undefined;
}

function before(a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

export interface Scheduler {
  /** Adds an actor that starts at `at`. */
  spawn(actor: Actor, at: number): void;
  /** Runs until every actor is done or past `end`; returns the number of events sent. */
  run(): Promise<number>;
  /** The time of the event being handled. */
  readonly now: number;
}

export function createScheduler(options: {
  assessor: Assessor;
  end: number;
  /**
   * Events less than this far apart in event time (from different actors) are sent together, so a
   * recording assessor shares its durable commits among them; 0 sends one event at a time. The
   * stream stays in time order to within this window, which counters on event time tolerate.
   */
  concurrencyWindowMs?: number;
  observe: (step: Step, answer: Assessment) => void;
  onProgress?: (time: number) => void;
}): Scheduler {
  const heap: Entry[] = [];
  let seq = 0;
  let now = Number.NEGATIVE_INFINITY;

  const push = (entry: Entry) => {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  };
  const pop = (): Entry => {
    const top = heap[0] as Entry;
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        let least = i;
        if (left < heap.length && before(heap[left] as Entry, heap[least] as Entry)) least = left;
        if (left + 1 < heap.length && before(heap[left + 1] as Entry, heap[least] as Entry)) least = left + 1;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least] as Entry, heap[i] as Entry];
        i = least;
      }
    }
    return top;
  };
  const follow = (actor: Actor, result: IteratorResult<Step, void>, after: number) => {
    if (result.done) return;
    const time = result.value.event.time;
    if (time < after) {
      throw new CustosError('internal', `a simulated actor went back in time (${time} < ${after})`);
    }
    // Past the end of the run the actor is simply not resumed.
    if (time < options.end) push({ time, seq: seq++, actor, step: result.value });
    else actor.return();
  };

  return {
    spawn(actor, at) {
      if (at < now) throw new CustosError('internal', `an actor was spawned in the past (${at} < ${now})`);
      if (at < options.end) push({ time: at, seq: seq++, actor, step: undefined });
    },
    async run() {
      const window = options.concurrencyWindowMs ?? 0;
      let sent = 0;
      while (heap.length > 0) {
        // Every due entry within the window, each actor's one at a time (an actor has one entry).
        const due: Entry[] = [];
        const start = (heap[0] as Entry).time;
        while (heap.length > 0 && (due.length === 0 || (heap[0] as Entry).time < start + window)) {
          const entry = pop();
          now = entry.time;
          if (entry.step) due.push(entry);
          else follow(entry.actor, entry.actor.next(), entry.time);
        }
        const answers = await Promise.all(
          due.map((entry, i) =>
            options.assessor.assess(
              { ...(entry.step as Step).event, eventId: `sim_${sent + i}` },
              entry.step?.facts,
            ),
          ),
        );
        for (const [i, entry] of due.entries()) {
          const answer = answers[i] as Assessment;
          sent += 1;
          options.observe(entry.step as Step, answer);
          if (sent % 1000 === 0) options.onProgress?.(entry.time);
          follow(entry.actor, entry.actor.next(answer), entry.time);
        }
      }
      return sent;
    },
    get now() {
      return now;
    },
  };
}
