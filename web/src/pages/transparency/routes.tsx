import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from '../../app/routes.js';
import { permittedPage } from '../../app/session.js';

// The subject looked up stays in the page's state, never in the URL (no personal data in URLs).
export const transparencyRoutes = [
  createRoute({
    getParentRoute: () => appRoute,
    path: '/transparency',
    component: permittedPage(
      'transparency.read',
      lazyRouteComponent(() => import('./TransparencyPage.js'), 'TransparencyPage'),
    ),
  }),
] as const;
