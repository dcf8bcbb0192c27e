import type { Clock } from '../core/clock.js';
import { CustosError, isCustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { People } from './people.js';
import { maxSubjectsPerTicket, type Ticket, type Tickets, ticketIdPattern } from './tickets.js';

export interface TrackerSettings {
  name: string;
  url: string;
  token?: string | undefined;
  timeout: number;
  refreshInterval: number;
  fields: { title: string; status: string; assignee: string; subjects: string; reporter: string };
  openStatuses: string[];
  assigneeIs: 'username' | 'id';
}

/** Most bytes of one tracker answer; a ticket is small, anything larger is refused. */
const maxAnswerBytes = 256 * 1024;
const subjectPattern = /^[A-Za-z0-9_.:@+-]{1,128}$/;

/** Reads a dotted path (`fields.assignee.name`) out of parsed JSON. */
function pick(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

export type TrackerConnector = ReturnType<typeof createTrackerConnector>;

/**
 * The HTTP connector to an external ticket tracker. The tracker stays the source of truth: a
 * ticket is read from it whenever an access request cites it, and tickets cited by grants in force
 * are re-read every refresh interval, so closing one in the tracker revokes its grants here.
 * Fields are picked by configurable dotted paths, so Jira, Zendesk or an in-house tracker fit
 * without code; anything missing or malformed fails closed.
 */
export function createTrackerConnector(deps: {
  settings: TrackerSettings;
  tickets: Pick<Tickets, 'post' | 'patch' | 'get'>;
  people: Pick<People, 'findActiveByUsername'>;
  store: Pick<Store, 'db'>;
  clock: Clock;
  logger: Logger;
}) {
  const { settings, logger } = deps;
  const poster = `tracker:${settings.name}`;

  async function fetchJson(id: string): Promise<unknown> {
    const url = settings.url.replace('{id}', encodeURIComponent(id));
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'custos-tracker/1' };
    if (settings.token) headers.authorization = `Bearer ${settings.token}`;
    let response: Response;
    try {
      response = await fetch(url, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(settings.timeout),
      });
    } catch (error) {
      // fetch's own words (and its cause's) stay on `cause`, for the log; never for the caller.
      throw new CustosError('tickets.unavailable', 'the ticket tracker could not be reached', undefined, {
        cause: error,
      });
    }
    if (response.status === 404) {
      await response.arrayBuffer().catch(() => undefined);
      return undefined;
    }
    const body = await response.arrayBuffer().catch(() => new ArrayBuffer(0));
    if (response.status !== 200) {
      throw new CustosError(
        'tickets.unavailable',
        `the ticket tracker answered ${response.status} for ${id}`,
      );
    }
    if (body.byteLength > maxAnswerBytes) {
      throw new CustosError('tickets.unavailable', `the ticket tracker's answer for ${id} is too large`);
    }
    try {
      return JSON.parse(Buffer.from(body).toString('utf8'));
    } catch {
      throw new CustosError('tickets.unavailable', `the ticket tracker's answer for ${id} is not JSON`);
    }
  }

  async function assigneeOf(value: unknown): Promise<string | null> {
    if (typeof value !== 'string' || value.length === 0) return null;
    if (settings.assigneeIs === 'id') return /^usr_[0-9A-HJKMNP-TV-Z]{26}$/.test(value) ? value : null;
    return (await deps.people.findActiveByUsername(value))?.id ?? null;
  }

  async function closeCopy(id: string): Promise<void> {
    const known = await deps.tickets.get(id).catch((error: unknown) => {
      if (isCustosError(error, 'resource.not_found')) return undefined;
      throw error;
    });
    if (!known || known.status === 'closed') return;
    await deps.tickets.patch({ id, status: 'closed' }, poster);
  }

  return {
    /**
     * Reads one ticket from the tracker into the registry (closing it there revokes its grants).
     * Returns undefined when the tracker does not know it (and closes any copy here); throws `tickets.unavailable` when the
     * tracker cannot be read or answers something malformed.
     */
    async sync(id: string): Promise<Ticket | undefined> {
      if (!ticketIdPattern.test(id)) throw new CustosError('request.invalid', 'invalid ticket id');
      const json = await fetchJson(id);
      if (json === undefined) {
        // Gone from the tracker: a copy here must not keep backing grants.
        await closeCopy(id);
        return undefined;
      }
      const bad = (why: string) =>
        new CustosError('tickets.unavailable', `the ticket tracker's answer for ${id} is unusable: ${why}`);
      const status = pick(json, settings.fields.status);
      if (typeof status !== 'string') throw bad(`no status at ${settings.fields.status}`);
      const subjects = pick(json, settings.fields.subjects) ?? [];
      if (
        !Array.isArray(subjects) ||
        !subjects.every((s) => typeof s === 'string' && subjectPattern.test(s))
      ) {
        throw bad(`the subjects at ${settings.fields.subjects} are not a list of user ids`);
      }
      if (subjects.length > maxSubjectsPerTicket) throw bad(`more than ${maxSubjectsPerTicket} subjects`);
      const title = pick(json, settings.fields.title);
      const reporter = pick(json, settings.fields.reporter);
      const { ticket } = await deps.tickets.post(
        {
          id,
          title: typeof title === 'string' && title.length > 0 ? title.slice(0, 200) : id,
          status: settings.openStatuses.includes(status) ? 'open' : 'closed',
          assigneeId: await assigneeOf(pick(json, settings.fields.assignee)),
          subjects: subjects as string[],
          reporterId: typeof reporter === 'string' && subjectPattern.test(reporter) ? reporter : null,
        },
        poster,
      );
      return ticket;
    },

    /**
     * Re-reads every ticket cited by a grant in force. A ticket the tracker no longer knows is
     * closed here, revoking its grants; a tracker outage leaves tickets as they were and is logged.
     */
    async refreshActive(): Promise<{ refreshed: number; failed: number }> {
      const rows = await deps.store.db
        .selectFrom('access_grants')
        .select('ticket_id')
        .distinct()
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', deps.clock.now())
        .where('source', '=', 'approval')
        .execute();
      let refreshed = 0;
      let failed = 0;
      for (const { ticket_id: id } of rows) {
        try {
          await this.sync(id);
          refreshed++;
        } catch (error) {
          failed++;
          logger.warn({ err: error, ticketId: id }, 'ticket refresh from the tracker failed');
        }
      }
      return { refreshed, failed };
    },
  };
}
