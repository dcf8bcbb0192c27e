import { CustosError } from '../core/errors.js';

/** Sensitivity: 1 low (a display name), 2 personal (a photo), 3 sensitive (a phone number, an IP). */
export type Tier = 1 | 2 | 3;

/** A class of user data the platform holds; checks and grants speak in these names. */
export interface FieldClass {
  name: string;
  tier: Tier;
  description: string;
}

export const fieldClassPattern = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;

/**
 * What a large messaging platform holds about its users, by class. The three classes the seeds
 * name as exposed to ~1,500 engineers (contact details, IP addresses, profile photos) are here.
 */
export const defaultCatalog: readonly FieldClass[] = [
  { name: 'identity.phone', tier: 3, description: 'Phone number the account is registered with.' },
  { name: 'identity.email', tier: 3, description: 'Recovery e-mail address.' },
  { name: 'contacts.graph', tier: 3, description: 'Uploaded address book and who the user talks to.' },
  { name: 'network.ip', tier: 3, description: 'IP addresses the account connected from.' },
  {
    name: 'messages.metadata',
    tier: 3,
    description: 'When and with whom messages were exchanged (never content).',
  },
  { name: 'devices.list', tier: 2, description: 'Registered devices, models and app versions.' },
  { name: 'profile.photo', tier: 2, description: 'Profile photo, current and past.' },
  { name: 'activity.last_seen', tier: 2, description: 'Last-seen and online times.' },
  { name: 'groups.membership', tier: 2, description: 'Groups the user belongs to and their roles there.' },
  { name: 'profile.name', tier: 1, description: 'Display name.' },
  { name: 'profile.about', tier: 1, description: 'About text.' },
  { name: 'account.registration', tier: 1, description: 'Registration date, country and account state.' },
];

export type Catalog = ReturnType<typeof createCatalog>;

/** The field classes in force; unknown names are refused wherever they appear. */
export function createCatalog(classes: readonly FieldClass[]) {
  const byName = new Map<string, FieldClass>();
  for (const fieldClass of classes) {
    if (!fieldClassPattern.test(fieldClass.name)) {
      throw new CustosError('config.invalid', `access.catalog: invalid field class name ${fieldClass.name}`);
    }
    if (byName.has(fieldClass.name)) {
      throw new CustosError('config.invalid', `access.catalog: ${fieldClass.name} is listed twice`);
    }
    byName.set(fieldClass.name, fieldClass);
  }
  return {
    list(): FieldClass[] {
      return [...byName.values()];
    },
    /** The named classes, deduplicated in order; throws `access.unknown_field` naming unknown ones. */
    resolve(names: readonly string[]): FieldClass[] {
      const unknown = names.filter((name) => !byName.has(name));
      if (unknown.length) {
        throw new CustosError(
          'access.unknown_field',
          `unknown field classes: ${unknown.slice(0, 10).join(', ')}`,
          {
            unknownFields: unknown.slice(0, 10),
          },
        );
      }
      return [...new Set(names)].map((name) => byName.get(name) as FieldClass);
    },
  };
}
