import type { Custos } from '../../../src/app.js';
import { testPassword } from '../../support/app.js';
import { type SeededTakeover, seedTakeover } from './ato.js';
import { addPerson } from './console.js';

/** A signed-in API caller over real HTTP, as the console or a script would be. */
export interface Caller {
  call<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

async function send(
  baseUrl: string,
  headers: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Signs a person in over HTTP and returns a caller carrying their cookie and CSRF token. */
export async function personCaller(
  baseUrl: string,
  username: string,
  password = testPassword,
): Promise<Caller> {
  const response = await fetch(`${baseUrl}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`sign-in of ${username} failed: ${response.status}`);
  const { csrfToken } = (await response.json()) as { csrfToken: string };
  const cookie = response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  return {
    call: (method, path, body) => send(baseUrl, { cookie, 'x-csrf-token': csrfToken }, method, path, body),
  };
}

export function keyCaller(baseUrl: string, token: string): Caller {
  return {
    call: (method, path, body) => send(baseUrl, { authorization: `Bearer ${token}` }, method, path, body),
  };
}

export interface Seeded {
  users: Record<'dana' | 'sam' | 'alex' | 'erin' | 'aud', { id: string; username: string }>;
  service: Caller;
  serviceToken: string;
  subjects: string[];
  grantId: string;
  pendingRequestId: string;
  /** The last access check: its record id and where it sits in the log. */
  lastCheck: { checkId: string; ledgerIndex: number };
  campaignId: string;
  /** An account's logins, a registration from elsewhere, and the takeover the platform confirmed. */
  ato: SeededTakeover;
}

/**
 * A small, realistic platform: an admin, a security analyst, an approver who manages an
 * engineer, an auditor; tickets from support; one request approved by security and management
 * and used through the access check, one waiting in the inbox, a protected subject, checks
 * permitted and denied; an account taken over after a registration from another country. Everything
 * through the public API, as a deployment would.
 */
export async function seedPlatform(custos: Custos, baseUrl: string): Promise<Seeded> {
  const users = {
    dana: await addPerson(custos, 'dana', ['admin'], 'Dana Admin'),
    sam: await addPerson(custos, 'sam', ['analyst'], 'Sam Security'),
    alex: await addPerson(custos, 'alex', ['approver'], 'Alex Approver'),
    erin: await addPerson(custos, 'erin', ['engineer'], 'Erin Engineer'),
    aud: await addPerson(custos, 'aud', ['auditor'], 'Avery Auditor'),
  };
  const admin = await personCaller(baseUrl, 'dana');
  const { token } = await admin.call<{ token: string }>('POST', '/v1/apikeys', {
    name: 'support-tools',
    roles: ['service'],
    scopes: ['access.check', 'access.catalog.read', 'access.tickets.write', 'access.protected.write'],
  });
  const service = keyCaller(baseUrl, token);
  for (const person of [users.dana, users.sam, users.alex, users.aud]) {
    await admin.call('PUT', `/v1/access/employees/${person.id}`, { team: 'trust-and-safety' });
  }
  await admin.call('PUT', `/v1/access/employees/${users.erin.id}`, {
    team: 'support',
    managerId: users.alex.id,
  });

  const subjects = ['u_48213377', 'u_90017521', 'u_31415926'];
  await service.call('PUT', '/v1/access/tickets/SUP-1042', {
    title: 'Account recovery: lost phone, cannot verify new device',
    status: 'open',
    assigneeId: users.erin.id,
    subjects: [subjects[0]],
  });
  await service.call('PUT', '/v1/access/tickets/ABUSE-77', {
    title: 'Spam wave from newly registered numbers',
    status: 'open',
    assigneeId: users.erin.id,
    subjects: [subjects[1], subjects[2]],
  });
  await service.call('PUT', `/v1/access/protected-subjects/${subjects[2]}`, { category: 'journalist' });

  const erin = await personCaller(baseUrl, 'erin');
  const approved = await erin.call<{ request: { id: string } }>('POST', '/v1/access/requests', {
    purpose: 'support',
    ticketId: 'SUP-1042',
    subjects: [subjects[0]],
    fields: ['identity.phone', 'devices.list'],
    operations: ['read'],
    duration: '4h',
    justification: 'Confirm the devices on the account before moving it to the new phone.',
  });
  const sam = await personCaller(baseUrl, 'sam');
  const alex = await personCaller(baseUrl, 'alex');
  await sam.call('POST', `/v1/access/requests/${approved.request.id}/decisions`, {
    decision: 'approve',
    comment: 'Ticket matches; recovery flow.',
  });
  const granted = await alex.call<{ grant: { id: string } }>(
    'POST',
    `/v1/access/requests/${approved.request.id}/decisions`,
    { decision: 'approve', comment: 'Erin is on support rotation this week.' },
  );
  const pending = await erin.call<{ request: { id: string } }>('POST', '/v1/access/requests', {
    purpose: 'abuse_investigation',
    ticketId: 'ABUSE-77',
    subjects: [subjects[1]],
    fields: ['network.ip', 'account.registration'],
    operations: ['read'],
    duration: '2h',
    justification: 'Check whether the spam accounts share registration IPs.',
  });
  for (const fields of [['identity.phone'], ['devices.list'], ['contacts.graph']]) {
    await service.call('POST', '/v1/access/check', {
      actor: users.erin.id,
      subject: subjects[0],
      fields,
      operation: 'read',
    });
  }
  const lastCheck = await service.call<{ checkId: string; ledgerIndex: number }>('POST', '/v1/access/check', {
    actor: users.erin.id,
    subject: subjects[1],
    fields: ['network.ip'],
    operation: 'read',
  });
  const campaign = await admin.call<{ campaign: { id: string } }>('POST', '/v1/access/reviews', {
    name: 'Quarterly access review, Q4',
    duration: '14d',
    reviewers: [users.sam.id, users.alex.id],
  });
  const ato = await seedTakeover(baseUrl, admin);
  await custos.ledger.awaitIntegration(lastCheck.ledgerIndex);
  return {
    users,
    service,
    serviceToken: token,
    subjects,
    grantId: granted.grant.id,
    pendingRequestId: pending.request.id,
    lastCheck: { checkId: lastCheck.checkId, ledgerIndex: lastCheck.ledgerIndex },
    campaignId: campaign.campaign.id,
    ato,
  };
}
