import type { paths } from '../../api/schema.js';

// Shapes of the takeover-defence API as the generated client types them: no hand-written copies.

type Ok<Op> = Op extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

export type DecisionSearch = NonNullable<
  paths['/v1/ato/decisions/search']['post']['requestBody']
>['content']['application/json'];
export type DecisionPage = Ok<paths['/v1/ato/decisions/search']['post']>;
/** One assessment as the search lists it. */
export type DecisionRow = DecisionPage['decisions'][number];
/** One assessment as the ledger holds it, with its context and every reason. */
export type AtoDecision = Ok<paths['/v1/ato/decisions/{id}']['get']>;
export type AtoReason = AtoDecision['reasons'][number];
export type AtoSummary = Ok<paths['/v1/ato/summary']['get']>;
export type Takeover = Ok<paths['/v1/ato/takeovers']['get']>['takeovers'][number];
export type TakeoverTimeline = Ok<paths['/v1/ato/takeovers/{id}']['get']>;
export type AtoVerdict = NonNullable<DecisionSearch['decision']>;

/** The decisions, weakest first. */
export const verdicts: AtoVerdict[] = ['allow', 'challenge', 'deny', 'lock_device'];
