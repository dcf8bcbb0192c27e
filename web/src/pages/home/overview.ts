import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.js';
import type { paths } from '../../api/schema.js';

/** What `GET /v1/overview` answers. */
export type Overview = paths['/v1/overview']['get']['responses'][200]['content']['application/json'];
export type OverviewWindow = Overview['series']['window'];

/** The overview, refreshed every 30 seconds while the page is open. */
export const overviewQuery = (window: OverviewWindow) =>
  queryOptions({
    queryKey: ['overview', window],
    queryFn: () => unwrap(api.GET('/v1/overview', { params: { query: { window } } })),
    refetchInterval: 30_000,
  });
