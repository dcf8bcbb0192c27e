import type { Icon } from '@tabler/icons-react';
import type { Permission } from './permissions.js';

/** One entry of the navigation: shown only to people whose roles allow `permission`. */
export interface NavItem {
  to: string;
  label: string;
  icon: Icon;
  permission?: Permission;
  /** Keyboard shortcut after `g` (GitHub style): `g` then this letter opens the page. */
  key?: string;
}

/**
 * A console module (access, ledger, admin; account takeover, discovery, alerts and incidents
 * later): a navigation section and its routes, in its own folder under `pages/`. Adding a module
 * is a folder and one line in `modules.ts`; the shell draws whatever the session may see.
 */
export interface NavSection {
  id: string;
  label: string;
  items: NavItem[];
}
