import { queryOptions } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client.js';
import { type SummaryWindow, summaryRange } from './series.js';

/** The summary of the last 24 hours or 7 days, refreshed every minute while the page is open. */
export const summaryQuery = (window: SummaryWindow) =>
  queryOptions({
    queryKey: ['ato', 'summary', window],
    // The range is taken when the request is made, so a refresh after the hour turns moves with it.
    queryFn: () =>
      unwrap(api.GET('/v1/ato/summary', { params: { query: summaryRange(window, Date.now()) } })),
    refetchInterval: 60_000,
  });
