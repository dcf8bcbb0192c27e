import { CustosError, isCustosError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Grant, Grants } from './grants.js';

export type RecordDecision = (
  type: string,
  id: string,
  body: unknown,
  grant?: Grant | null,
) => Promise<number>;

/**
 * How access decisions reach the ledger. A grant issued with a decision was issued dormant; it
 * is activated once the decision's record is sequenced, and revoked at once if the ledger refuses
 * it (the caller then gets 503), so no grant ever permits whose issue is not on the record.
 */
export function decisionRecorder(deps: {
  ledger: Pick<Ledger, 'append'>;
  grants?: Pick<Grants, 'activate' | 'revoke'>;
  logger: Logger;
}): RecordDecision {
  const { ledger, grants, logger } = deps;
  return async (type, id, body, grant) => {
    try {
      const { index } = await ledger.append({ type, id, body });
      if (grant && grants) await grants.activate(grant.id);
      return index;
    } catch (error) {
      if (grant && grants) {
        await grants
          .revoke(grant.id, 'custos', 'the ledger could not record the grant')
          .catch((revokeError: unknown) =>
            logger.error({ err: revokeError, grantId: grant.id }, 'revoking an unrecorded grant failed'),
          );
      }
      if (isCustosError(error)) throw error;
      throw new CustosError('ledger.unavailable');
    }
  };
}
