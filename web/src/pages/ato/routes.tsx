import { IconListSearch, IconShieldHalf, IconUserExclamation } from '@tabler/icons-react';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { NavSection } from '../../app/module.js';
import { appRoute } from '../../app/routes.js';
import { matching, optional, z } from '../../app/search.js';
import { permittedPage } from '../../app/session.js';

export const atoNav: NavSection = {
  id: 'ato',
  label: 'Takeover defence',
  items: [
    { to: '/ato', label: 'Takeover overview', icon: IconShieldHalf, permission: 'ato.read', key: 'o' },
    {
      to: '/ato/decisions',
      label: 'Login decisions',
      icon: IconListSearch,
      permission: 'ato.read',
      key: 'd',
    },
    { to: '/ato/takeovers', label: 'Confirmed takeovers', icon: IconUserExclamation, permission: 'ato.read' },
  ],
};

/** Ids as the server makes them (`atd_`, `atk_` and 26 Crockford base-32 characters). */
export const assessmentId = /^atd_[0-9A-HJKMNP-TV-Z]{26}$/;
export const takeoverId = /^atk_[0-9A-HJKMNP-TV-Z]{26}$/;

export const atoOverviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/ato',
  // `?window=7d` picks the span of the figures and charts; anything else is the last 24 hours.
  validateSearch: z.object({ window: optional(z.enum(['24h', '7d'])) }),
  component: permittedPage(
    'ato.read',
    lazyRouteComponent(() => import('./OverviewPage.js'), 'AtoOverviewPage'),
  ),
});

export const atoDecisionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/ato/decisions',
  // Only the open assessment's id: the search itself (accounts, numbers, addresses) is personal
  // data, sent in a POST body and kept in the page, never in the address.
  validateSearch: z.object({ selected: optional(matching(assessmentId)) }),
  component: permittedPage(
    'ato.read',
    lazyRouteComponent(() => import('./DecisionsPage.js'), 'DecisionsPage'),
  ),
});

export const atoTakeoversRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/ato/takeovers',
  component: permittedPage(
    'ato.read',
    lazyRouteComponent(() => import('./TakeoversPage.js'), 'TakeoversPage'),
  ),
});

export const atoTakeoverRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/ato/takeovers/$id',
  component: permittedPage(
    'ato.read',
    lazyRouteComponent(() => import('./TakeoverPage.js'), 'TakeoverPage'),
  ),
});

export const atoRoutes = [atoOverviewRoute, atoDecisionsRoute, atoTakeoversRoute, atoTakeoverRoute] as const;
