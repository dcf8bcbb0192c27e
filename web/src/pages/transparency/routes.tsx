import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../app/routes.js';
import { requirePermission } from '../../app/session.js';

// The subject looked up stays in the page's state, never in the URL (no personal data in URLs).
export const transparencyRoutes = [
  createRoute({
    getParentRoute: () => appRoute,
    path: '/transparency',
    beforeLoad: requirePermission('transparency.read'),
    component: lazyRouteComponent(() => import('./TransparencyPage.js'), 'TransparencyPage'),
  }),
] as const;
