import type { Clock } from '../core/clock.js';
import { CustosError, isCustosError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Store } from '../store/store.js';
import type { Alert, AlertStatus, Raised } from './alerts.js';

export const alertRecordType = 'detect.alert';
export const alertStatusRecordType = 'detect.alert.status';

const columns = [
  'alert_id',
  'source',
  'rule_key',
  'title',
  'severity',
  'entity',
  'status',
  'assignee',
  'close_reason',
  'first_at',
  'last_at',
  'count',
  'body',
  'updated_at',
] as const;

const readColumns = ['body', 'status', 'assignee', 'close_reason'] as const;

/** The stored alert with the status columns, which people change, over its body. */
function alertOf(row: {
  body: string;
  status: string;
  assignee: string | null;
  close_reason: string | null;
}): Alert {
  const alert = JSON.parse(row.body) as Alert;
  alert.status = row.status as AlertStatus;
  if (row.assignee === null) delete alert.assignee;
  else alert.assignee = row.assignee;
  if (row.close_reason === null) delete alert.closeReason;
  else alert.closeReason = row.close_reason;
  return alert;
}

/** Who changed an alert's status, to what, and why: the body of a `detect.alert.status` record. */
export interface AlertStatusChange {
  alertId: string;
  status: AlertStatus;
  assignee: string | null;
  reason: string | null;
  by: string;
  at: number;
}

/**
 * Alerts kept: a new alert is a ledger record (`detect.alert`) with its row in `detect_alerts`,
 * in one transaction; a repeat grouped into it updates the row (count, last time, evidence); a
 * change of status or assignee is a ledger record of its own (`detect.alert.status`) and updates
 * the row.
 */
export function createAlertStore(deps: {
  store: Pick<Store, 'db'>;
  ledger: Pick<Ledger, 'append'>;
  clock: Clock;
}) {
  const { store, ledger, clock } = deps;
  const rowOf = (alert: Alert) => [
    alert.id,
    alert.source,
    alert.key,
    alert.title,
    alert.severity,
    alert.entity,
    alert.status,
    alert.assignee ?? null,
    alert.closeReason ?? null,
    alert.first,
    alert.last,
    alert.count,
    JSON.stringify(alert),
    clock.now(),
  ];

  async function appendOr503(...args: Parameters<Ledger['append']>) {
    try {
      return await ledger.append(...args);
    } catch (error) {
      if (isCustosError(error)) throw error;
      throw new CustosError('ledger.unavailable');
    }
  }

  async function write(raised: Exclude<Raised, { outcome: 'suppressed' }>): Promise<void> {
    const { alert } = raised;
    if (raised.outcome === 'created') {
      // A copy: the grouper goes on changing the alert while the record waits to be sequenced,
      // and the record is the alert as it was raised.
      await appendOr503(
        { type: alertRecordType, id: alert.id, body: structuredClone(alert) },
        { batchable: true, alsoInsert: { table: 'detect_alerts', columns, values: rowOf(alert) } },
      );
      return;
    }
    // The status columns are left alone: they are people's, and this node's copy may be stale.
    await store.db
      .updateTable('detect_alerts')
      .set({
        severity: alert.severity,
        last_at: alert.last,
        count: alert.count,
        body: JSON.stringify(alert),
        updated_at: clock.now(),
      })
      .where('alert_id', '=', alert.id)
      .execute();
  }

  // Saves of one alert run one after another: a repeat's update must find the row its creation
  // inserts, and that insert waits for the ledger to sequence the record.
  const queues = new Map<string, Promise<void>>();

  return {
    /** Keeps what became of a candidate; a suppressed one leaves nothing. */
    save(raised: Raised): Promise<void> {
      if (raised.outcome === 'suppressed') return Promise.resolve();
      const id = raised.alert.id;
      const next = (queues.get(id) ?? Promise.resolve()).catch(() => undefined).then(() => write(raised));
      queues.set(id, next);
      const forget = () => {
        if (queues.get(id) === next) queues.delete(id);
      };
      next.then(forget, forget);
      return next;
    },
    async get(id: string): Promise<Alert | undefined> {
      const row = await store.db
        .selectFrom('detect_alerts')
        .select(readColumns)
        .where('alert_id', '=', id)
        .executeTakeFirst();
      return row ? alertOf(row) : undefined;
    },

    /** Alerts by most recent activity, optionally of one status and at least one severity. */
    async list(query: { status?: AlertStatus; limit: number }): Promise<Alert[]> {
      let q = store.db.selectFrom('detect_alerts').select('body');
      if (query.status) q = q.where('status', '=', query.status);
      const rows = await q
        .orderBy('last_at', 'desc')
        .orderBy('alert_id', 'desc')
        .limit(query.limit)
        .execute();
      return rows.map((row) => JSON.parse(row.body) as Alert);
    },

    /**
     * Triages, assigns or closes an alert; closing needs a reason. Recorded on the ledger with who
     * did it. Throws `resource.not_found` for an unknown alert.
     */
    async setStatus(
      id: string,
      change: { status: AlertStatus; assignee?: string | null; reason?: string },
      by: string,
    ): Promise<Alert> {
      const alert = await this.get(id);
      if (!alert) throw new CustosError('resource.not_found', 'no such alert');
      if (change.status === 'closed' && !change.reason) {
        throw new CustosError('request.invalid', 'closing an alert needs a reason');
      }
      alert.status = change.status;
      if (change.assignee !== undefined) {
        if (change.assignee === null) delete alert.assignee;
        else alert.assignee = change.assignee;
      }
      if (change.status === 'closed') alert.closeReason = change.reason as string;
      else delete alert.closeReason;
      const body: AlertStatusChange = {
        alertId: id,
        status: change.status,
        assignee: alert.assignee ?? null,
        reason: change.reason ?? null,
        by,
        at: clock.now(),
      };
      await appendOr503({ type: alertStatusRecordType, id: newId('evt', clock), body });
      await store.db
        .updateTable('detect_alerts')
        .set({
          status: alert.status,
          assignee: alert.assignee ?? null,
          close_reason: alert.closeReason ?? null,
          updated_at: body.at,
        })
        .where('alert_id', '=', id)
        .execute();
      return alert;
    },
  };
}

export type AlertStore = ReturnType<typeof createAlertStore>;
