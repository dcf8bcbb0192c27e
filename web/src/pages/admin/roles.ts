import type { paths } from '../../api/schema.js';

type CreateUserBody = NonNullable<paths['/v1/users']['post']['requestBody']>['content']['application/json'];
export type UserRole = CreateUserBody['roles'][number];
type CreateKeyBody = NonNullable<paths['/v1/apikeys']['post']['requestBody']>['content']['application/json'];
export type KeyRole = NonNullable<CreateKeyBody['roles']>[number];

/** What each role is for, in the words an admin choosing one needs. */
export const userRoleChoices: Array<{ value: UserRole; label: string; description: string }> = [
  {
    value: 'engineer',
    label: 'Engineer',
    description: 'Requests access to user data; sees own requests and grants.',
  },
  { value: 'approver', label: 'Approver', description: 'Decides on access requests.' },
  {
    value: 'analyst',
    label: 'Analyst',
    description: 'Security: approves as security, break-glass reviews, all grants.',
  },
  { value: 'auditor', label: 'Auditor', description: 'Reads everything, changes nothing.' },
  { value: 'admin', label: 'Admin', description: 'Users, API keys and approval policies.' },
];

export const keyRoleChoices: Array<{ value: KeyRole; label: string }> = [
  { value: 'service', label: 'Service (platform services)' },
  ...userRoleChoices.map(({ value, label }) => ({ value, label })),
];
