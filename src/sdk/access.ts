import type { CallOptions } from './options.js';
import type { Requester } from './transport.js';

export type AccessOperation = 'read' | 'export';

export interface AccessCheckInput {
  /** The engineer's Custos user id (`usr_…`). */
  actor: string;
  /** The platform user id whose data the tool would show. */
  subject: string;
  fields: string[];
  operation: AccessOperation;
}

export interface AccessCheckResult {
  checkId: string;
  decision: 'permit' | 'deny';
  grantId?: string;
  fields: { permitted: string[]; masked: string[] };
  reasons: { code: string; message: string }[];
  ledgerIndex: number;
}

export interface FieldClass {
  name: string;
  tier: number;
  description: string;
}

export interface AccessResource {
  /** Asks before showing user data; show only `fields.permitted`. A failure means show nothing. */
  check(input: AccessCheckInput, options?: CallOptions): Promise<AccessCheckResult>;
  /** Up to 100 checks in one call, answered in order. */
  checkBatch(checks: AccessCheckInput[], options?: CallOptions): Promise<AccessCheckResult[]>;
  /** The data catalog in force. */
  catalog(options?: CallOptions): Promise<FieldClass[]>;
}

/** The access check and catalog (routes in src/api/routes/check.routes.ts and catalog.routes.ts). */
export function accessResource(request: Requester): AccessResource {
  return {
    check: (input, options) => request('POST', '/v1/access/check', { body: input, call: options }),
    async checkBatch(checks, options) {
      const answer = await request<{ results: AccessCheckResult[] }>('POST', '/v1/access/check/batch', {
        body: { checks },
        call: options,
      });
      return answer.results;
    },
    async catalog(options) {
      return (await request<{ fieldClasses: FieldClass[] }>('GET', '/v1/access/catalog', { call: options }))
        .fieldClasses;
    },
  };
}
