import {
  IconAddressBook,
  IconAlarm,
  IconChecklist,
  IconFileCheck,
  IconKey,
  IconListDetails,
  IconSend,
  IconShieldStar,
  IconTicket,
} from '@tabler/icons-react';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { NavSection } from '../../app/module.js';
import type { Permission } from '../../app/permissions.js';
import { appRoute } from '../../app/routes.js';
import { integer, matching, optional, z } from '../../app/search.js';
import { permittedPage } from '../../app/session.js';

export const accessNav: NavSection = {
  id: 'access',
  label: 'Access',
  items: [
    {
      to: '/access/request',
      label: 'Request access',
      icon: IconSend,
      permission: 'access.requests.create',
      key: 'r',
    },
    { to: '/access/requests', label: 'Requests', icon: IconListDetails, permission: 'access.requests.read' },
    {
      to: '/access/approvals',
      label: 'Approvals',
      icon: IconChecklist,
      permission: 'access.requests.decide',
      key: 'a',
    },
    { to: '/access/grants', label: 'Grants', icon: IconKey, permission: 'access.grants.read' },
    {
      to: '/access/break-glass',
      label: 'Break-glass',
      icon: IconAlarm,
      permission: 'access.breakglass.read',
    },
    {
      to: '/access/reviews',
      label: 'Access reviews',
      icon: IconFileCheck,
      permission: 'access.reviews.decide',
    },
    { to: '/access/tickets', label: 'Tickets', icon: IconTicket, permission: 'access.tickets.read' },
    {
      to: '/access/employees',
      label: 'Employees',
      icon: IconAddressBook,
      permission: 'access.employees.read',
    },
    {
      to: '/access/protected',
      label: 'Protected subjects',
      icon: IconShieldStar,
      permission: 'access.protected.read',
    },
  ],
};

// Search parameters: each checked, and a bad value falls back to the default rather than failing.
const id = (prefix: string) => optional(matching(new RegExp(`^${prefix}_[0-9A-Za-z]{1,40}$`)));
const scope = z.catch(z.enum(['mine', 'all']), 'mine');

export const requestRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/request',
  component: permittedPage(
    'access.requests.create',
    lazyRouteComponent(() => import('./RequestPage.js'), 'RequestPage'),
  ),
});

export const requestsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/requests',
  validateSearch: z.object({
    status: optional(z.enum(['pending', 'approved', 'rejected', 'cancelled', 'expired'])),
    scope,
    selected: id('req'),
  }),
  component: permittedPage(
    'access.requests.read',
    lazyRouteComponent(() => import('./RequestsPage.js'), 'RequestsPage'),
  ),
});

export const approvalsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/approvals',
  validateSearch: z.object({ selected: id('req') }),
  component: permittedPage(
    'access.requests.decide',
    lazyRouteComponent(() => import('./ApprovalsPage.js'), 'ApprovalsPage'),
  ),
});

export const grantsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/grants',
  validateSearch: z.object({
    view: z.catch(z.enum(['active', 'all']), 'active'),
    scope,
    selected: id('grt'),
  }),
  component: permittedPage(
    'access.grants.read',
    lazyRouteComponent(() => import('./GrantsPage.js'), 'GrantsPage'),
  ),
});

export const breakGlassRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/break-glass',
  validateSearch: z.object({
    view: z.catch(z.enum(['all', 'pending']), 'all'),
    selected: id('bgl'),
  }),
  component: permittedPage(
    'access.breakglass.read',
    lazyRouteComponent(() => import('./BreakGlassPage.js'), 'BreakGlassPage'),
  ),
});

/** Reviewers (decide) and those who follow campaigns (read) both reach the reviews pages. */
const reviewers: Permission[] = ['access.reviews.decide', 'access.reviews.read'];

export const reviewsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/reviews',
  component: permittedPage(
    reviewers,
    lazyRouteComponent(() => import('./ReviewsPage.js'), 'ReviewsPage'),
  ),
});

export const reviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/reviews/$id',
  params: {
    parse: (raw: Record<string, string>) => ({
      id: matching(/^rvw_[0-9A-Za-z]{1,40}$/).parse(raw.id),
    }),
    stringify: (params: { id: string }) => ({ id: params.id }),
  },
  component: permittedPage(
    reviewers,
    lazyRouteComponent(() => import('./ReviewPage.js'), 'ReviewPage'),
  ),
});

const cursor = optional(z.string().check(z.maxLength(100)));

export const ticketsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/tickets',
  validateSearch: z.object({
    status: optional(z.enum(['open', 'closed'])),
    cursor,
    selected: optional(matching(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/)),
  }),
  component: permittedPage(
    'access.tickets.read',
    lazyRouteComponent(() => import('./RegistryPages.js'), 'TicketsPage'),
  ),
});

export const employeesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/employees',
  validateSearch: z.object({ cursor, selected: id('usr') }),
  component: permittedPage(
    'access.employees.read',
    lazyRouteComponent(() => import('./RegistryPages.js'), 'EmployeesPage'),
  ),
});

export const protectedRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/access/protected',
  // The protected list is personal data: its cursor is a time and a count, and a selected row is
  // named by its place on the page, so no user id ever appears in the address.
  validateSearch: z.object({
    cursor: optional(matching(/^\d{1,16}\.\d{1,6}$/)),
    selected: optional(integer(0, 199)),
  }),
  component: permittedPage(
    'access.protected.read',
    lazyRouteComponent(() => import('./RegistryPages.js'), 'ProtectedPage'),
  ),
});

export const accessRoutes = [
  requestRoute,
  requestsRoute,
  approvalsRoute,
  grantsRoute,
  breakGlassRoute,
  reviewsRoute,
  reviewRoute,
  ticketsRoute,
  employeesRoute,
  protectedRoute,
] as const;
