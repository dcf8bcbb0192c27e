import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from '../core/clock.js';
import { CustosError } from '../core/errors.js';
import type { Ledger } from '../ledger/ledger.js';
import type { RecordProof } from '../ledger/recordproof.js';
import type { Store } from '../store/store.js';
import type { Operation, Purpose } from './grants.js';
import type { SubjectIds } from './subjects.js';

/** What the subject learns of one access: never who, only a pseudonym, a role and why. */
export interface DisclosureBody {
  at: number;
  subject: string;
  fields: string[];
  operation: Operation;
  purpose: Purpose;
  /** Stable per accessor and subject, unlinkable across subjects without the secret. */
  accessor: string;
  checkId: string;
}

export interface DisclosureEntry {
  at: number;
  fields: string[];
  operation: Operation;
  purpose: Purpose;
  accessor: { pseudonym: string; roles: string[]; team: string | null };
  /** The logged record: with its salt anyone can recompute the commitment in the proof. */
  record: { type: 'access.disclosure'; id: string; canonical: string; salt: string };
  proof: RecordProof;
}

/**
 * Reads the secret behind accessor pseudonyms from a key file, creating it (mode 0600) on first
 * use. For a single node on SQLite; nodes sharing PostgreSQL share one kept in the store.
 */
export function loadOrCreatePseudonymSecret(file: string): string {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < 32)
    throw new CustosError('config.invalid', `the pseudonym secret in ${file} is too short`);
  return secret;
}

/** The accessor's pseudonym as one subject sees it: HMAC-SHA256 over subject and actor. */
export function accessorPseudonym(secret: string, subjectId: string, actorId: string): string {
  return `acc_${createHmac('sha256', secret).update(`${subjectId}\n${actorId}`).digest('hex').slice(0, 20)}`;
}

export type Transparency = ReturnType<typeof createTransparency>;

/**
 * The end user's view: every permitted access to their data, with a pseudonymous accessor, the
 * accessor's role, the purpose, and a proof that the record is in the ledger. Accesses for a
 * legal request stay hidden for the configured legal-hold delay.
 */
export function createTransparency(deps: {
  store: Pick<Store, 'db'>;
  clock: Clock;
  ledger: Pick<Ledger, 'record' | 'prove'>;
  subjectIds: SubjectIds;
  /** A Custos user's current roles (handed in by app.ts; empty for an unknown user). */
  rolesOf: (userId: string) => Promise<string[]>;
}) {
  const { store, clock, ledger } = deps;

  return {
    async list(
      given: string,
      options: { limit: number; cursor?: string },
    ): Promise<{ accesses: DisclosureEntry[]; next: string | null }> {
      const subjectId = deps.subjectIds.normal(given);
      let query = store.db
        .selectFrom('access_disclosures')
        .select(['record_id', 'at'])
        .where('subject_id', '=', subjectId)
        .where('visible_from', '<=', clock.now());
      if (options.cursor !== undefined) {
        const match = /^(\d{1,16})\.(dsc_[0-9A-HJKMNP-TV-Z]{26})$/.exec(options.cursor);
        if (!match) throw new CustosError('request.invalid', 'malformed cursor');
        const at = Number(match[1]);
        const id = match[2] as string;
        query = query.where((eb) =>
          eb.or([eb('at', '<', at), eb.and([eb('at', '=', at), eb('record_id', '<', id)])]),
        );
      }
      const rows = await query
        .orderBy('at', 'desc')
        .orderBy('record_id', 'desc')
        .limit(options.limit + 1)
        .execute();
      const page = rows.slice(0, options.limit);
      const accesses: DisclosureEntry[] = [];
      const actors = new Map<string, { roles: string[]; team: string | null }>();
      for (const row of page) {
        const stored = await ledger.record('access.disclosure', row.record_id);
        // An erased record (the subject's own erasure request) is no longer listed.
        if (!stored?.body || !stored.salt) continue;
        const body = JSON.parse(stored.body) as DisclosureBody & { actorId?: never };
        const proof = await ledger.prove('access.disclosure', row.record_id);
        const check = await ledger.record('access.check', body.checkId);
        const actorId = check?.body ? (JSON.parse(check.body) as { actor: string }).actor : null;
        let accessor = actorId ? actors.get(actorId) : undefined;
        if (actorId && !accessor) {
          const [roles, employee] = await Promise.all([
            deps.rolesOf(actorId),
            store.db
              .selectFrom('access_employees')
              .select('team')
              .where('user_id', '=', actorId)
              .executeTakeFirst(),
          ]);
          accessor = { roles, team: employee?.team ?? null };
          actors.set(actorId, accessor);
        }
        accesses.push({
          at: body.at,
          fields: body.fields,
          operation: body.operation,
          purpose: body.purpose,
          accessor: { pseudonym: body.accessor, roles: accessor?.roles ?? [], team: accessor?.team ?? null },
          record: { type: 'access.disclosure', id: row.record_id, canonical: stored.body, salt: stored.salt },
          proof,
        });
      }
      const last = page.at(-1);
      return { accesses, next: rows.length > options.limit && last ? `${last.at}.${last.record_id}` : null };
    },
  };
}
