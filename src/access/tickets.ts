import type { Transaction } from 'kysely';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { AccessTicketsTable, Database } from '../store/schema.js';
import type { Store } from '../store/store.js';

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

export interface PostTicketInput {
  id: string;
  title: string;
  status: 'open' | 'closed';
  assigneeId: string | null;
  subjects: string[];
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

export type Tickets = ReturnType<typeof createTickets>;

/**
 * The built-in ticket registry. The support or abuse system posts its tickets here; a grant must
 * cite an open ticket assigned to the requester that names the subjects, and closing a ticket
 * revokes every grant that cites it, in the same transaction.
 */
export function createTickets(deps: { store: Pick<Store, 'db' | 'transaction' | 'dialect'>; clock: Clock }) {
  const { store, clock } = deps;

  return {
    /** Creates or replaces a ticket as its source system sees it; returns it and the grants revoked. */
    async post(input: PostTicketInput, postedBy: string): Promise<{ ticket: Ticket; revokedGrants: number }> {
      if (!ticketIdPattern.test(input.id)) throw new CustosError('request.invalid', 'invalid ticket id');
      const subjects = [...new Set(input.subjects)];
      if (subjects.length > maxSubjectsPerTicket) {
        throw new CustosError('request.invalid', `a ticket names at most ${maxSubjectsPerTicket} subjects`);
      }
      const now = clock.now();
      return store.transaction(async (tx) => {
        const existing = await tx
          .selectFrom('access_tickets')
          .selectAll()
          .where('id', '=', input.id)
          .executeTakeFirst();
        const closing = input.status === 'closed';
        const row: AccessTicketsTable = {
          id: input.id,
          title: input.title,
          status: input.status,
          assignee_id: input.assigneeId,
          subjects: JSON.stringify(subjects),
          posted_by: postedBy,
          created_at: existing?.created_at ?? now,
          updated_at: now,
          closed_at: closing ? (existing?.closed_at ?? now) : null,
          reporter_id: input.reporterId ?? null,
        };
        if (existing) {
          const { id: _id, created_at: _created, ...changes } = row;
          await tx.updateTable('access_tickets').set(changes).where('id', '=', input.id).execute();
        } else {
          await tx.insertInto('access_tickets').values(row).execute();
        }
        let revokedGrants = 0;
        if (closing) {
          const result = await tx
            .updateTable('access_grants')
            .set({ revoked_at: now, revoked_by: `ticket:${input.id}`, revoke_reason: 'ticket closed' })
            .where('ticket_id', '=', input.id)
            .where('revoked_at', 'is', null)
            .executeTakeFirst();
          revokedGrants = Number(result.numUpdatedRows);
        }
        return { ticket: toTicket(row), revokedGrants };
      });
    },

    async get(id: string): Promise<Ticket> {
      const row = await store.db
        .selectFrom('access_tickets')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) throw new CustosError('resource.not_found', 'no such ticket');
      return toTicket(row);
    },

    /**
     * Checks that a ticket can back an access request: open, assigned to the requester, and
     * naming every subject. Throws `action.not_allowed` saying which condition failed. Inside a
     * transaction (`tx`), the ticket row is locked on PostgreSQL until it commits.
     */
    async assertBacks(
      ticketId: string,
      requesterId: string,
      subjects: readonly string[],
      tx?: Transaction<Database>,
    ): Promise<Ticket> {
      let query = (tx ?? store.db).selectFrom('access_tickets').selectAll().where('id', '=', ticketId);
      if (tx && store.dialect === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) throw new CustosError('action.not_allowed', `ticket ${ticketId} is not known`);
      const ticket = toTicket(row);
      if (ticket.status !== 'open')
        throw new CustosError('action.not_allowed', `ticket ${ticketId} is closed`);
      if (ticket.assigneeId !== requesterId) {
        throw new CustosError('action.not_allowed', `ticket ${ticketId} is not assigned to the requester`);
      }
      const missing = subjects.filter((s) => !ticket.subjects.includes(s));
      if (missing.length) {
        throw new CustosError(
          'action.not_allowed',
          `ticket ${ticketId} does not name ${missing.length} of the subjects`,
        );
      }
      return ticket;
    },
  };
}
