import { IconGauge } from '@tabler/icons-react';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import * as z from 'zod/mini';
import type { NavSection } from '../../app/module.js';
import { appRoute } from '../../app/routes.js';

export const homeNav: NavSection = {
  id: 'home',
  label: 'Custos',
  items: [{ to: '/', label: 'Overview', icon: IconGauge, key: 'h' }],
};

/** `?window=7d` picks the span of the charts; anything else is the last 24 hours. */
export const overviewSearch = z.object({ window: z.catch(z.optional(z.enum(['24h', '7d'])), undefined) });

export const homeRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  validateSearch: overviewSearch,
  component: lazyRouteComponent(() => import('./HomePage.js'), 'HomePage'),
});

export const homeRoutes = [homeRoute] as const;
