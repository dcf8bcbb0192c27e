import type { paths } from '../../api/schema.js';

// Shapes of the contact-discovery read routes as the generated client types them.

type Ok<Op> = Op extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

export type DecisionSearch = NonNullable<
  paths['/v1/discovery/decisions/search']['post']['requestBody']
>['content']['application/json'];
export type DecisionPage = Ok<paths['/v1/discovery/decisions/search']['post']>;
/** One decision as the search lists it. */
export type DecisionRow = DecisionPage['decisions'][number];
/** One decision as the ledger holds it, with its counts and every reason. */
export type DiscoveryRecord = Ok<paths['/v1/discovery/decisions/{id}']['get']>;
export type DiscoveryReason = DiscoveryRecord['reasons'][number];
export type DiscoverySummary = Ok<paths['/v1/discovery/summary']['get']>;
export type Offender = Ok<paths['/v1/discovery/offenders']['get']>['offenders'][number];
export type Fleet = Ok<paths['/v1/discovery/fleets']['get']>['fleets'][number];
export type CanaryHit = Ok<paths['/v1/discovery/canary-hits']['get']>['hits'][number];
export type DiscoveryVerdict = NonNullable<DecisionSearch['decision']>;

/** The decisions, mildest first. */
export const verdicts: DiscoveryVerdict[] = ['allow', 'partial', 'shadow', 'throttle', 'block'];
export type AttributionPage = Ok<paths['/v1/discovery/attributions']['get']>;
/** One attribution report as the list shows it. */
export type AttributionRow = AttributionPage['reports'][number];
/** One attribution report as the ledger holds it. */
export type AttributionReport = Ok<paths['/v1/discovery/attributions/{id}']['get']>;
