import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addUser, createTestCustos, type TestCustos } from '../support/app.js';
import { backends } from '../support/services.js';

/** A tracker that answers issues in a Jira-like shape, as the test sets them. */
interface FakeTracker {
  issues: Map<string, unknown>;
  /** A status to answer with instead of the issue, e.g. 500. */
  failWith?: number;
  seen: IncomingHttpHeaders[];
}

describe.each(backends)('the external ticket tracker connector on %s', (backend) => {
  let t: TestCustos;
  let server: Server;
  let tracker: FakeTracker;
  let ana: string;
  let mia: string;
  let sol: string;

  beforeEach(async () => {
    tracker = { issues: new Map(), seen: [] };
    server = createServer((req, res) => {
      tracker.seen.push(req.headers);
      const id = decodeURIComponent(req.url?.split('/').pop() ?? '');
      if (tracker.failWith) {
        res.statusCode = tracker.failWith;
        res.end('down');
        return;
      }
      const issue = tracker.issues.get(id);
      res.statusCode = issue === undefined ? 404 : 200;
      res.setHeader('content-type', 'application/json');
      res.end(issue === undefined ? '{}' : JSON.stringify(issue));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    t = await createTestCustos(backend, {
      'ledger.maxDelay': '20ms',
      'access.tracker': {
        name: 'jira',
        url: `http://127.0.0.1:${port}/rest/api/2/issue/{id}`,
        token: 'tracker-token-123',
        fields: {
          title: 'fields.summary',
          status: 'fields.status.name',
          assignee: 'fields.assignee.name',
          subjects: 'fields.platformUsers',
          reporter: 'fields.reporter',
        },
        openStatuses: ['Open', 'In Progress'],
      },
    });
    ana = (await addUser(t.custos, 'ana', ['engineer'])).id;
    mia = (await addUser(t.custos, 'mia', ['approver'])).id;
    sol = (await addUser(t.custos, 'sol', ['analyst'])).id;
    await t.custos.employees.put({ userId: ana, platformUserId: null, managerId: mia, team: 'support' });
    await t.custos.employees.put({ userId: mia, platformUserId: null, managerId: null, team: 'leads' });
    await t.custos.employees.put({ userId: sol, platformUserId: null, managerId: null, team: 'security' });
  });
  afterEach(async () => {
    await t.dispose();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const issue = (status: string, assignee: string, users = ['user-1']) => ({
    key: 'SUP-1',
    fields: {
      summary: 'No SMS',
      status: { name: status },
      assignee: { name: assignee },
      platformUsers: users,
    },
  });
  const ask = () =>
    t.custos.accessRequests.create(
      {
        purpose: 'support',
        ticketId: 'SUP-1',
        subjects: ['user-1'],
        fields: ['identity.phone'],
        operations: ['read'],
        durationMs: 3_600_000,
        justification: 'Verification SMS never arrives.',
      },
      { id: ana, roles: ['engineer'] },
    );

  it('reads the cited ticket from the tracker, and revokes grants once the tracker closes it', async () => {
    tracker.issues.set('SUP-1', issue('In Progress', 'ana'));
    const { request } = await ask();
    expect(tracker.seen[0]?.authorization).toBe('Bearer tracker-token-123');
    expect(await t.custos.tickets.get('SUP-1')).toMatchObject({
      status: 'open',
      assigneeId: ana,
      subjects: ['user-1'],
      postedBy: 'tracker:jira',
    });
    await t.custos.accessRequests.decide(
      request.id,
      { id: mia, roles: ['approver'] },
      { decision: 'approve', comment: '' },
    );
    await t.custos.accessRequests.decide(
      request.id,
      { id: sol, roles: ['analyst'] },
      { decision: 'approve', comment: '' },
    );
    const check = () =>
      t.custos.accessCheck.check(
        { actor: ana, subject: 'user-1', fields: ['identity.phone'], operation: 'read' },
        't',
      );
    expect((await check()).decision).toBe('permit');

    // Still open: nothing changes. Closed in the tracker: revoked on the next refresh.
    expect(await t.custos.tracker?.refreshActive()).toEqual({ refreshed: 1, failed: 0 });
    expect((await check()).decision).toBe('permit');
    tracker.issues.set('SUP-1', issue('Done', 'ana'));
    await t.custos.tracker?.refreshActive();
    expect((await t.custos.tickets.get('SUP-1')).status).toBe('closed');
    expect((await check()).decision).toBe('deny');
  });

  it('refuses tickets the tracker assigns elsewhere or does not know, and fails closed when it is down or answers badly', async () => {
    tracker.issues.set('SUP-1', issue('Open', 'ben'));
    await expect(ask()).rejects.toMatchObject({ code: 'access.ticket_not_assigned' });
    tracker.issues.set('SUP-1', issue('Open', 'ana', ['user-2']));
    await expect(ask()).rejects.toThrow(/does not name/);
    tracker.issues.delete('SUP-1');
    await t.custos.tickets.post(
      { id: 'SUP-1', title: 'stale copy', status: 'open', assigneeId: ana, subjects: ['user-1'] },
      'test',
    );
    // A copy in the registry does not outlive the ticket in the tracker.
    await expect(ask()).rejects.toThrow(/not known to the tracker/);
    expect((await t.custos.tickets.get('SUP-1')).status).toBe('closed');
    tracker.failWith = 500;
    await expect(ask()).rejects.toMatchObject({ code: 'tickets.unavailable' });
    tracker.failWith = undefined;
    tracker.issues.set('SUP-1', { fields: { summary: 'no status' } });
    await expect(ask()).rejects.toMatchObject({ code: 'tickets.unavailable' });
    tracker.issues.set('SUP-1', { fields: { status: { name: 'Open' }, platformUsers: 'user-1' } });
    await expect(ask()).rejects.toMatchObject({ code: 'tickets.unavailable' });
    expect(await t.custos.grants.list({})).toEqual([]);
  });

  it('fails closed with our own sentence, not the fetch error, when the tracker cannot be reached', async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await ask().catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'tickets.unavailable',
      message: 'the ticket tracker could not be reached',
      details: undefined,
    });
    expect(await t.custos.grants.list({})).toEqual([]);
  });
});
