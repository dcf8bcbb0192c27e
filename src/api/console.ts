import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CustosError } from '../core/errors.js';
import type { App } from './types.js';

/**
 * Where `npm run build` puts the console: `dist/web` under the package root, which is two folders
 * above this file both as `src/api/console.ts` (tests) and as `dist/api/console.js` (production).
 */
export const defaultConsoleDir = fileURLToPath(new URL('../../dist/web/', import.meta.url));

/** Vite writes this where a nonce belongs (`html.cspNonce`); each response gets its own. */
export const noncePlaceholder = '__CUSTOS_CSP_NONCE__';

/** Paths that are never console pages, so an unknown one stays a JSON 404. */
const apiPrefixes = [
  '/v1/',
  '/ledger/',
  '/docs',
  '/openapi.json',
  '/metrics',
  '/healthz',
  '/readyz',
  '/assets/',
];

/**
 * The console's policy: scripts only from here, styles from here or the `<style>` tags Mantine
 * writes with this response's nonce, no inline script at all, never framed.
 */
export function consolePolicy(nonce: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

function notBuiltPage(): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Custos</title></head><body>',
    '<h1>Custos</h1><p>The console has not been built. Run <code>npm run build</code>, then reload.</p>',
    '<p>The API reference is at <a href="/docs">/docs</a>.</p></body></html>',
  ].join('');
}

/**
 * Serves the web console built into `dir`: hashed assets under `/assets/` (cached for a year, they
 * never change under one name), and `index.html` for every other GET that asks for a page, so that
 * a console URL typed or reloaded opens where it points; unknown API paths stay JSON 404s. The page is read once; each response
 * carries a fresh style nonce in both the markup and its Content-Security-Policy.
 */
export async function registerConsole(app: App, options: { dir?: string } = {}): Promise<void> {
  const dir = options.dir ?? defaultConsoleDir;
  const indexPath = `${dir}/index.html`;
  const index = existsSync(indexPath) ? readFileSync(indexPath, 'utf8') : undefined;
  if (index !== undefined && existsSync(`${dir}/assets`)) {
    await app.register(fastifyStatic, {
      root: `${dir}/assets`,
      prefix: '/assets/',
      decorateReply: false,
      index: false,
      // Every file's name carries its content hash.
      immutable: true,
      maxAge: '365d',
    });
  }
  const sendPage = (_request: FastifyRequest, reply: FastifyReply) => {
    if (index === undefined) return reply.type('text/html; charset=utf-8').send(notBuiltPage());
    const nonce = randomBytes(18).toString('base64');
    return reply
      .header('content-security-policy', consolePolicy(nonce))
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(index.replaceAll(noncePlaceholder, nonce));
  };
  app.get('/', { config: { access: { public: true } }, schema: { hide: true } }, sendPage);
  // Any other GET is a console address (`/access/grants?selected=…`) unless it belongs to the API.
  app.get('/*', { config: { access: { public: true } }, schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // Only a browser asking for a page gets one; an API client's mistyped path stays a JSON 404.
    const wantsPage = (request.headers.accept ?? '').includes('text/html');
    if (!wantsPage || apiPrefixes.some((prefix) => path.startsWith(prefix))) {
      throw new CustosError('route.not_found');
    }
    return sendPage(request, reply);
  });
}
