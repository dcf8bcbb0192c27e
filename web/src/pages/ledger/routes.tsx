import { IconEye, IconListDetails } from '@tabler/icons-react';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { NavSection } from '../../app/module.js';
import { appRoute } from '../../app/routes.js';
import { integer, optional, z } from '../../app/search.js';
import { permittedPage } from '../../app/session.js';
import { transparencyRoutes } from '../transparency/routes.js';

export const ledgerNav: NavSection = {
  id: 'ledger',
  label: 'Audit',
  items: [
    { to: '/ledger', label: 'Ledger', icon: IconListDetails, permission: 'ledger.read', key: 'l' },
    { to: '/transparency', label: 'Transparency', icon: IconEye, permission: 'transparency.read', key: 't' },
  ],
};

export const ledgerRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/ledger',
  validateSearch: z.object({ from: optional(integer(0, Number.MAX_SAFE_INTEGER)) }),
  component: permittedPage(
    'ledger.read',
    lazyRouteComponent(() => import('./LedgerPage.js'), 'LedgerPage'),
  ),
});

export const entryRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/entries/$index',
  component: permittedPage(
    'ledger.read',
    lazyRouteComponent(() => import('./EntryPage.js'), 'EntryPage'),
  ),
});

export const ledgerRoutes = [ledgerRoute, entryRoute, ...transparencyRoutes] as const;
