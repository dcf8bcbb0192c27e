import {
  IconAddressBook,
  IconFileSearch,
  IconListSearch,
  IconTargetArrow,
  IconUserSearch,
  IconUsersGroup,
} from '@tabler/icons-react';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { NavSection } from '../../app/module.js';
import { appRoute } from '../../app/routes.js';
import { matching, optional, z } from '../../app/search.js';
import { permittedPage } from '../../app/session.js';

export const discoveryNav: NavSection = {
  id: 'discovery',
  label: 'Contact discovery',
  items: [
    {
      to: '/discovery',
      label: 'Discovery overview',
      icon: IconAddressBook,
      permission: 'discovery.read',
      key: 'c',
    },
    {
      to: '/discovery/offenders',
      label: 'Top offenders',
      icon: IconUserSearch,
      permission: 'discovery.read',
    },
    {
      to: '/discovery/decisions',
      label: 'Discovery decisions',
      icon: IconListSearch,
      permission: 'discovery.read',
    },
    { to: '/discovery/fleets', label: 'Fleets', icon: IconUsersGroup, permission: 'discovery.read' },
    { to: '/discovery/canaries', label: 'Canary hits', icon: IconTargetArrow, permission: 'discovery.read' },
    {
      to: '/discovery/attributions',
      label: 'Leak attribution',
      icon: IconFileSearch,
      permission: 'discovery.read',
    },
  ],
};

/** A check's id as the server makes it (`dch_` and 26 Crockford base-32 characters). */
export const checkId = /^dch_[0-9A-HJKMNP-TV-Z]{26}$/;

const windowSearch = z.object({ window: optional(z.enum(['24h', '7d'])) });

export const discoveryOverviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/discovery',
  // `?window=7d` picks the span of the figures and charts; anything else is the last 24 hours.
  validateSearch: windowSearch,
  component: permittedPage(
    'discovery.read',
    lazyRouteComponent(() => import('./OverviewPage.js'), 'DiscoveryOverviewPage'),
  ),
});

export const discoveryOffendersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/discovery/offenders',
  validateSearch: windowSearch,
  component: permittedPage(
    'discovery.read',
    lazyRouteComponent(() => import('./OffendersPage.js'), 'OffendersPage'),
  ),
});

export const discoveryDecisionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/discovery/decisions',
  // Only the open decision's id. The account searched for is a person's id: it travels in the
  // POST body and, when another page links here, in the history entry's state, never in the address.
  validateSearch: z.object({ selected: optional(matching(checkId)) }),
  component: permittedPage(
    'discovery.read',
    lazyRouteComponent(() => import('./DecisionsPage.js'), 'DiscoveryDecisionsPage'),
  ),
});

export const discoveryFleetsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/discovery/fleets',
  component: permittedPage(
    'discovery.read',
    lazyRouteComponent(() => import('./FleetsPage.js'), 'FleetsPage'),
  ),
});

export const discoveryCanariesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/discovery/canaries',
  component: permittedPage(
    'discovery.read',
    lazyRouteComponent(() => import('./CanaryHitsPage.js'), 'CanaryHitsPage'),
  ),
});

/** An attribution report's id (`dat_` and 26 Crockford base-32 characters). */
export const attributionId = /^dat_[0-9A-HJKMNP-TV-Z]{26}$/;

export const discoveryAttributionsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/discovery/attributions',
  validateSearch: z.object({ selected: optional(matching(attributionId)) }),
  component: permittedPage(
    'discovery.read',
    lazyRouteComponent(() => import('./AttributionsPage.js'), 'AttributionsPage'),
  ),
});

export const discoveryRoutes = [
  discoveryOverviewRoute,
  discoveryOffendersRoute,
  discoveryDecisionsRoute,
  discoveryFleetsRoute,
  discoveryCanariesRoute,
  discoveryAttributionsRoute,
] as const;
