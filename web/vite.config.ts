import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = process.env.CUSTOS_API ?? 'http://127.0.0.1:7070';

// The console is built into dist/web and served by `custos serve`; `npx vite --config
// web/vite.config.ts` serves it with hot reload, passing API calls to a running Custos.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  // The server fills this placeholder with a fresh nonce per response (src/api/console.ts).
  html: { cspNonce: '__CUSTOS_CSP_NONCE__' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    manifest: true,
    sourcemap: true,
    // No inline script or style may be emitted: the console's CSP allows neither.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: Object.fromEntries(['/v1', '/ledger', '/openapi.json', '/docs'].map((path) => [path, api])),
  },
});
