import * as z from 'zod/mini';

// zod compiles object parsers with `new Function` when it may, and probes for that by trying it;
// the console's CSP forbids eval, so even the probe would be a reported violation. Imported first
// by main.tsx: the setting must hold before any schema is built. zod and zod/mini share this
// setting; the mini build keeps the full zod out of the first download.
z.config({ jitless: true });
