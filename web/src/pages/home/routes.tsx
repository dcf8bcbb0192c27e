import { IconGauge } from '@tabler/icons-react';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { NavSection } from '../../app/module.js';
import { appRoute } from '../../app/routes.js';

export const homeNav: NavSection = {
  id: 'home',
  label: 'Custos',
  items: [{ to: '/', label: 'Overview', icon: IconGauge, key: 'h' }],
};

export const homeRoutes = [
  createRoute({
    getParentRoute: () => appRoute,
    path: '/',
    component: lazyRouteComponent(() => import('./HomePage.js'), 'HomePage'),
  }),
] as const;
