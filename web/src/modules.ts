import type { NavSection } from './app/module.js';
import { accessNav } from './pages/access/routes.js';
import { adminNav } from './pages/admin/routes.js';
import { atoNav } from './pages/ato/routes.js';
import { discoveryNav } from './pages/discovery/routes.js';
import { homeNav } from './pages/home/routes.js';
import { ledgerNav } from './pages/ledger/routes.js';

/**
 * The console's modules, in navigation order. A new module (account takeover, discovery, alerts,
 * incidents) is a folder under `pages/` exporting its section and routes, and one line here and
 * in `router.tsx`.
 */
export const navSections: NavSection[] = [homeNav, accessNav, atoNav, discoveryNav, ledgerNav, adminNav];
