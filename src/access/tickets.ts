import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { AccessTicketsTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Grant, Grants } from './grants.js';
import type { SubjectIds } from './subjects.js';

export const ticketIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
export const maxSubjectsPerTicket = 100;

export interface Ticket {
  id: string;
  title: string;
  status: 'open' | 'closed';
  assigneeId: string | null;
  subjects: string[];
  /** The platform user who filed the ticket, when the source system says. */
  reporterId: string | null;
  postedBy: string;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

/**
 * A ticket as its source system posts it. Fields left out keep their values (a resync that does
 * not carry the reporter must not erase it); a new ticket needs title, status, assignee and
 * subjects.
 */
export interface TicketChange {
  id: string;
  title?: string;
  status?: 'open' | 'closed';
  assigneeId?: string | null;
  subjects?: string[];
  reporterId?: string | null;
}

function toTicket(row: AccessTicketsTable): Ticket {
  return {
    id: row.id,
    title: row.title,
    status: row.status as Ticket['status'],
    assigneeId: row.assignee_id,
    subjects: JSON.parse(row.subjects) as string[],
    reporterId: row.reporter_id,
    postedBy: row.posted_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    closedAt: row.closed_at,
  };
}

/**
 * Why a ticket no longer backs a grant that cites it, or undefined while it still does: closed,
 * given to someone else, or no longer naming every subject. Break-glass grants cite an incident,
 * not an assignment, so only closing ends them.
 */
function endedBy(ticket: Ticket, grant: Grant): string | undefined {
  if (ticket.status === 'closed') return 'ticket closed';
  if (grant.source !== 'approval') return undefined;
  if (ticket.assigneeId !== grant.actorId) return 'ticket reassigned';
  if (grant.subjects.some((s) => !ticket.subjects.includes(s))) return 'ticket no longer names every subject';
  return undefined;
}

export type Tickets = ReturnType<typeof createTickets>;

/**
 * The built-in ticket registry. The support or abuse system posts its tickets here; a grant must
 * cite an open ticket assigned to the requester that names the subjects, and a grant ends, in the
 * same transaction, when its ticket is closed, reassigned or stops naming one of its subjects.
 */
export function createTickets(deps: {
  store: Pick<Store, 'db' | 'transaction' | 'dialect'>;
  clock: Clock;
  grants: Pick<Grants, 'unended' | 'revoke'>;
  subjectIds: SubjectIds;
}) {
  const { store, clock, subjectIds } = deps;

  async function read(
    db: Transaction<Database> | Store['db'],
    id: string,
    lock: boolean,
  ): Promise<AccessTicketsTable | undefined> {
    let query = db.selectFrom('access_tickets').selectAll().where('id', '=', id);
    // PostgreSQL: a decision issuing a grant on this ticket waits for the change, and sees it.
    if (lock && store.dialect === 'postgres') query = query.forUpdate();
    return query.executeTakeFirst();
  }

  /** Applies a change in one transaction and ends the grants it no longer backs. */
  async function apply(
    change: TicketChange,
    postedBy: string,
    mustExist: boolean,
  ): Promise<{ ticket: Ticket; revokedGrants: number; created: boolean }> {
    if (!ticketIdPattern.test(change.id)) throw new CustosError('request.invalid', 'invalid ticket id');
    const subjects = change.subjects === undefined ? undefined : subjectIds.normalAll(change.subjects);
    if (subjects && subjects.length > maxSubjectsPerTicket) {
      throw new CustosError('request.invalid', `a ticket names at most ${maxSubjectsPerTicket} subjects`);
    }
    const now = clock.now();
    return store.transaction(async (tx) => {
      const existing = await read(tx, change.id, true);
      if (!existing && mustExist) throw new CustosError('resource.not_found', 'no such ticket');
      if (!existing) {
        const missing = (['title', 'status', 'assigneeId', 'subjects'] as const).filter(
          (field) => change[field] === undefined,
        );
        if (missing.length) {
          throw new CustosError('request.invalid', `a new ticket needs ${missing.join(', ')}`, { missing });
        }
      }
      const status = change.status ?? (existing?.status as Ticket['status']);
      const row: AccessTicketsTable = {
        id: change.id,
        title: change.title ?? (existing?.title as string),
        status,
        assignee_id: change.assigneeId !== undefined ? change.assigneeId : (existing?.assignee_id ?? null),
        subjects: subjects ? JSON.stringify(subjects) : (existing?.subjects as string),
        posted_by: postedBy,
        created_at: existing?.created_at ?? now,
        updated_at: now,
        closed_at: status === 'closed' ? (existing?.closed_at ?? now) : null,
        reporter_id:
          change.reporterId !== undefined
            ? change.reporterId === null
              ? null
              : subjectIds.normal(change.reporterId)
            : (existing?.reporter_id ?? null),
      };
      if (existing) {
        const { id: _id, created_at: _created, ...changes } = row;
        await tx.updateTable('access_tickets').set(changes).where('id', '=', change.id).execute();
      } else {
        await tx.insertInto('access_tickets').values(row).execute();
      }
      const ticket = toTicket(row);
      let revokedGrants = 0;
      if (existing) {
        const ending = new Map<string, string[]>();
        for (const grant of await deps.grants.unended(tx, { ticketId: change.id })) {
          const why = endedBy(ticket, grant);
          if (why) ending.set(why, [...(ending.get(why) ?? []), grant.id]);
        }
        for (const [why, ids] of ending) {
          revokedGrants += (await deps.grants.revoke(tx, ids, `ticket:${change.id}`, why)).length;
        }
      }
      return { ticket, revokedGrants, created: !existing };
    });
  }

  return {
    /** Creates or changes a ticket as its source system sees it; returns it and the grants ended. */
    post(change: TicketChange, postedBy: string) {
      return apply(change, postedBy, false);
    },

    /** Changes some fields of an existing ticket; returns it and the grants ended. */
    patch(change: TicketChange, postedBy: string) {
      return apply(change, postedBy, true);
    },

    /** Tickets, most recently changed first, a page at a time; `next` continues after the last. */
    async list(options: {
      limit: number;
      cursor?: string | undefined;
      status?: Ticket['status'] | undefined;
    }): Promise<{ tickets: Ticket[]; next: string | null }> {
      let query = store.db.selectFrom('access_tickets').selectAll();
      if (options.status) query = query.where('status', '=', options.status);
      if (options.cursor !== undefined) {
        const match = /^(\d{1,16})\.(.+)$/.exec(options.cursor);
        if (!match || !ticketIdPattern.test(match[2] as string)) {
          throw new CustosError('request.invalid', 'malformed cursor');
        }
        const at = Number(match[1]);
        const id = match[2] as string;
        query = query.where((eb) =>
          eb.or([eb('updated_at', '<', at), eb.and([eb('updated_at', '=', at), eb('id', '<', id)])]),
        );
      }
      const rows = await query
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit + 1)
        .execute();
      const page = rows.slice(0, options.limit);
      const last = page.at(-1);
      return {
        tickets: page.map(toTicket),
        next: rows.length > options.limit && last ? `${last.updated_at}.${last.id}` : null,
      };
    },

    async get(id: string): Promise<Ticket> {
      const row = await read(store.db, id, false);
      if (!row) throw new CustosError('resource.not_found', 'no such ticket');
      return toTicket(row);
    },

    /**
     * Checks that a ticket can back an access request: open, assigned to the requester, and
     * naming every (normal) subject. Throws a code saying which condition failed. Inside a
     * transaction (`tx`), the ticket row is locked on PostgreSQL until it commits.
     */
    async assertBacks(
      ticketId: string,
      requesterId: string,
      subjects: readonly string[],
      tx?: Transaction<Database>,
    ): Promise<Ticket> {
      const row = await read(tx ?? store.db, ticketId, tx !== undefined);
      if (!row) throw new CustosError('access.ticket_unknown', `ticket ${ticketId} is not known`);
      const ticket = toTicket(row);
      if (ticket.status !== 'open')
        throw new CustosError('access.ticket_closed', `ticket ${ticketId} is closed`);
      if (ticket.assigneeId !== requesterId) {
        throw new CustosError(
          'access.ticket_not_assigned',
          `ticket ${ticketId} is not assigned to the requester`,
        );
      }
      const missing = subjects.filter((s) => !ticket.subjects.includes(s));
      if (missing.length) {
        throw new CustosError(
          'access.ticket_subjects_missing',
          `ticket ${ticketId} does not name ${missing.length} of the subjects`,
        );
      }
      return ticket;
    },
  };
}
