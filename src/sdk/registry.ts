import type { CallOptions } from './options.js';
import type { Requester } from './transport.js';

/** One engineer's registry entry; fields left out keep their values, `null` clears one. */
export interface EmployeeChange {
  /** The engineer's Custos user id (`usr_…`). */
  userId: string;
  platformUserId?: string | null;
  managerId?: string | null;
  team?: string | null;
  /** On call until this time (ms since the epoch); `null` when not. */
  onCallUntil?: number | null;
}

export interface Employee {
  userId: string;
  platformUserId: string | null;
  managerId: string | null;
  team: string | null;
  onCallUntil: number | null;
}

/** A ticket as the support or abuse system has it; fields left out keep their values. */
export interface TicketChange {
  id: string;
  title?: string;
  status?: 'open' | 'closed';
  assigneeId?: string | null;
  subjects?: string[];
  reporterId?: string | null;
}

export interface Ticket {
  id: string;
  title: string;
  status: 'open' | 'closed';
  assigneeId: string | null;
  subjects: string[];
  reporterId: string | null;
  postedBy: string;
  createdAt: number;
  updatedAt: number;
  closedAt: number | null;
}

export interface SyncReport {
  created: number;
  updated: number;
  unchanged: number;
}

export interface RegistryResource {
  /** Creates or changes one entry (scope `access.employees.write`). */
  putEmployee(change: EmployeeChange, options?: CallOptions): Promise<Employee>;
  /** Changes an existing entry, e.g. `onCallUntil` from the paging system. */
  patchEmployee(change: EmployeeChange, options?: CallOptions): Promise<Employee>;
  /**
   * A directory sync: sends the entries in calls of `chunkSize` (default 10,000) and adds up the
   * answers. Each call is checked whole by the server; a refused one stops the sync there.
   */
  syncEmployees(
    changes: readonly EmployeeChange[],
    options?: CallOptions & { chunkSize?: number },
  ): Promise<SyncReport>;
  /** Posts a ticket (scope `access.tickets.write`); returns it and how many grants it ended. */
  putTicket(change: TicketChange, options?: CallOptions): Promise<{ ticket: Ticket; revokedGrants: number }>;
  /** Changes some fields of a known ticket; grants it no longer backs end. */
  patchTicket(
    change: TicketChange,
    options?: CallOptions,
  ): Promise<{ ticket: Ticket; revokedGrants: number }>;
}

/** The employee registry and the ticket registry, as directory and ticket syncs write them. */
export function registryResource(request: Requester): RegistryResource {
  const employeeUrl = (userId: string) => `/v1/access/employees/${encodeURIComponent(userId)}`;
  const ticketUrl = (id: string) => `/v1/access/tickets/${encodeURIComponent(id)}`;
  return {
    async putEmployee({ userId, ...fields }, options) {
      return (
        await request<{ employee: Employee }>('PUT', employeeUrl(userId), { body: fields, call: options })
      ).employee;
    },
    async patchEmployee({ userId, ...fields }, options) {
      return (
        await request<{ employee: Employee }>('PATCH', employeeUrl(userId), { body: fields, call: options })
      ).employee;
    },
    async syncEmployees(changes, options = {}) {
      const { chunkSize = 10_000, ...call } = options;
      const total: SyncReport = { created: 0, updated: 0, unchanged: 0 };
      for (let i = 0; i < changes.length; i += chunkSize) {
        const report = await request<SyncReport>('POST', '/v1/access/employees/sync', {
          body: { employees: changes.slice(i, i + chunkSize) },
          call,
        });
        total.created += report.created;
        total.updated += report.updated;
        total.unchanged += report.unchanged;
      }
      return total;
    },
    putTicket: ({ id, ...fields }, options) => request('PUT', ticketUrl(id), { body: fields, call: options }),
    patchTicket: ({ id, ...fields }, options) =>
      request('PATCH', ticketUrl(id), { body: fields, call: options }),
  };
}
