import { IconBook2, IconKey, IconScale, IconUsers } from '@tabler/icons-react';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { NavSection } from '../../app/module.js';
import { appRoute } from '../../app/routes.js';
import { matching, optional, z } from '../../app/search.js';
import { permittedPage } from '../../app/session.js';

export const adminNav: NavSection = {
  id: 'admin',
  label: 'Admin',
  items: [
    { to: '/admin/users', label: 'Users and roles', icon: IconUsers, permission: 'users.read' },
    { to: '/admin/api-keys', label: 'API keys', icon: IconKey, permission: 'apikeys.read' },
    // The catalog is readable by everyone who requests access; this admin view sits with the
    // policies that speak in its tiers, so it is shown to those who may change them.
    { to: '/admin/catalog', label: 'Data catalog', icon: IconBook2, permission: 'access.policies.write' },
    {
      to: '/admin/policies',
      label: 'Approval policies',
      icon: IconScale,
      permission: 'access.policies.write',
    },
  ],
};

/** Ids in the URL are checked for shape; anything else falls back to "nothing selected". */
const userId = matching(/^usr_[0-9A-HJKMNP-TV-Z]{26}$/);
const keyId = matching(/^key_[0-9A-HJKMNP-TV-Z]{26}$/);

export const usersSearch = z.object({
  selected: optional(z.union([userId, z.literal('new')])),
  after: optional(userId),
  disabled: optional(z.boolean()),
});
export type UsersSearch = z.infer<typeof usersSearch>;

export const apiKeysSearch = z.object({
  selected: optional(z.union([keyId, z.literal('new')])),
  revoked: optional(z.boolean()),
});
export type ApiKeysSearch = z.infer<typeof apiKeysSearch>;

export const policiesSearch = z.object({
  file: optional(matching(/^[a-z0-9][a-z0-9-]{0,63}$/)),
});

export const adminRoutes = [
  createRoute({
    getParentRoute: () => appRoute,
    path: '/admin/users',
    validateSearch: usersSearch,
    component: permittedPage(
      'users.read',
      lazyRouteComponent(() => import('./UsersPage.js'), 'UsersPage'),
    ),
  }),
  createRoute({
    getParentRoute: () => appRoute,
    path: '/admin/api-keys',
    validateSearch: apiKeysSearch,
    component: permittedPage(
      'apikeys.read',
      lazyRouteComponent(() => import('./ApiKeysPage.js'), 'ApiKeysPage'),
    ),
  }),
  createRoute({
    getParentRoute: () => appRoute,
    path: '/admin/catalog',
    component: permittedPage(
      'access.policies.write',
      lazyRouteComponent(() => import('./CatalogPage.js'), 'CatalogPage'),
    ),
  }),
  createRoute({
    getParentRoute: () => appRoute,
    path: '/admin/policies',
    validateSearch: policiesSearch,
    component: permittedPage(
      'access.policies.write',
      lazyRouteComponent(() => import('./PoliciesPage.js'), 'PoliciesPage'),
    ),
  }),
] as const;
