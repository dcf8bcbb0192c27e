import { CustosError, isCustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Store } from '../store/store.js';
import type { Grant, Grants } from './grants.js';

/** A grant issued with a decision, and who decided it (an approver, `policy`, or the breaker of the glass). */
export interface Issued {
  grant: Grant;
  decidedBy: string;
}

export type RecordDecision = (
  type: string,
  id: string,
  body: unknown,
  issued?: Issued | null,
) => Promise<number>;

/**
 * How access decisions reach the ledger. A grant issued with a decision was issued dormant; it
 * is activated once the decision's record is sequenced, and revoked at once if the ledger refuses
 * it (the caller then gets 503), so no grant ever permits whose issue is not on the record.
 */
export function decisionRecorder(deps: {
  ledger: Pick<Ledger, 'append'>;
  grants?: Pick<Grants, 'activate' | 'revoke'>;
  store?: Pick<Store, 'transaction'>;
  logger: Logger;
}): RecordDecision {
  const { ledger, grants, store, logger } = deps;
  return async (type, id, body, issued) => {
    let index: number;
    try {
      ({ index } = await ledger.append({ type, id, body }));
    } catch (error) {
      if (issued && grants && store) {
        await store
          .transaction((tx) =>
            grants.revoke(tx, [issued.grant.id], 'custos', 'the ledger could not record the grant'),
          )
          .catch((revokeError: unknown) =>
            logger.error(
              { err: revokeError, grantId: issued.grant.id },
              'revoking an unrecorded grant failed',
            ),
          );
      }
      if (isCustosError(error)) throw error;
      throw new CustosError('ledger.unavailable');
    }
    // A grant that stays dormant because activation failed permits nothing: failing closed.
    if (issued && grants) await grants.activate(issued.grant, issued.decidedBy);
    return index;
  };
}
