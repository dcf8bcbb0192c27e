// The console's first paint, measured: (a) the JavaScript the sign-in and home pages download
// before they show, gzipped, beside the 250 kB budget; (b) with a store of 10,000 grants and
// 1,000,000 ledger entries, the time from navigating to the home page to its figures being
// shown in Chromium on loopback, beside two bounds measured in the same run: the summary
// endpoint's own round trip, and loading a static page of the same bytes from the same server.
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { createCustos } from '../../src/app.js';
import { systemClock } from '../../src/core/clock.js';
import { loadConfig } from '../../src/core/config.js';
import { newId } from '../../src/core/ids.js';
import { createLogger } from '../../src/core/logger.js';
import { fmt, summarize, tempDir } from '../support.js';
import { initialJs, initialJsBudget, type PageName } from './bundle.js';

const grantsTotal = Number(process.env.GRANTS ?? 10_000);
const entriesTotal = Number(process.env.ENTRIES ?? 1_000_000);
const runs = Number(process.env.RUNS ?? 9);
const repo = resolve(import.meta.dirname, '../../..');
const webDir = join(repo, 'dist/web');

// (a) Initial JavaScript, from the manifest of the build `npm run bench:console` just made.
console.log('console initial JavaScript (gzipped, entry + route chunks + static imports)');
for (const page of ['sign-in', 'home'] as PageName[]) {
  const { gzipBytes, files } = initialJs(webDir, page);
  console.log(
    `  ${page.padEnd(8)} ${fmt(gzipBytes / 1000, 1)} kB in ${files.length} files (budget ${fmt(initialJsBudget / 1000)} kB, ${fmt((100 * gzipBytes) / initialJsBudget)} %)`,
  );
}

// The server looks for the console beside its own code (dist/web from dist/api); compiled into
// dist-bench, that is dist-bench/dist/web, so point it at the build.
const beside = join(repo, 'dist-bench/dist/web');
if (!existsSync(beside)) {
  mkdirSync(join(repo, 'dist-bench/dist'), { recursive: true });
  symlinkSync(webDir, beside);
}

const dataDir = tempDir('custos-bench-console-');
const { config } = loadConfig({ env: {}, overrides: { dataDir, 'log.level': 'silent' } });
const custos = await createCustos(config, { logger: createLogger({ level: 'silent', pretty: false }) });
const now = Date.now();

// (b) Seeding: grants by bulk insert (as bench/access does), ledger entries through the ledger's
// own durable append, many in flight at once.
const start = process.hrtime.bigint();
const actors = Array.from({ length: 2_000 }, () => newId('usr', systemClock));
for (let g = 0; g < grantsTotal; g += 1000) {
  const rows: unknown[][] = [];
  for (let i = g; i < Math.min(g + 1000, grantsTotal); i++) {
    rows.push([
      newId('grt', systemClock),
      actors[i % actors.length],
      'support',
      `SUP-${i}`,
      '["profile.name"]',
      '["read"]',
      'break_glass',
      now - (i % 48) * 3_600_000,
      now + 3_600_000,
      now,
    ]);
  }
  await custos.store.insertMany([
    {
      table: 'access_grants',
      columns: [
        'id',
        'actor_id',
        'purpose',
        'ticket_id',
        'fields',
        'operations',
        'source',
        'starts_at',
        'expires_at',
        'created_at',
      ],
      rows,
    },
  ]);
}
const inFlight = 20_000;
for (let i = 0; i < entriesTotal; i += inFlight) {
  const appends = [];
  for (let j = i; j < Math.min(i + inFlight, entriesTotal); j++)
    appends.push(custos.ledger.append({ type: 'bench.seed', id: `seed_${j}`, body: { j } }));
  await Promise.all(appends);
}
await custos.ledger.awaitIntegration(custos.ledger.sizes().sequenced - 1, 600_000);
const seedSeconds = Number(process.hrtime.bigint() - start) / 1e9;

const baseUrl = await custos.api.app.listen({ host: '127.0.0.1', port: 0 });
custos.start();
const { user } = await custos.users.create({
  username: 'bench-auditor',
  roles: ['auditor'],
  password: 'correct horse battery staple',
  createdBy: 'bench',
});
const session = await custos.sessions.create(user.id, { ip: '127.0.0.1', userAgent: 'bench' });

// Bound 1: the summary endpoint alone, over HTTP.
const endpoint: number[] = [];
for (let i = 0; i < runs * 3; i++) {
  const t = process.hrtime.bigint();
  const response = await fetch(`${baseUrl}/v1/overview`, {
    headers: { cookie: `custos_session=${session.token}` },
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`overview answered ${response.status}`);
  endpoint.push(Number(process.hrtime.bigint() - t) / 1e6);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const home: number[] = [];
const staticPage: number[] = [];
let homeBytes = 0;
for (let i = 0; i < runs; i++) {
  // A fresh context each run: nothing cached, as for a person opening the console.
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Username').fill('bench-auditor');
  await page.getByLabel(/^Password/).fill('correct horse battery staple');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
  // Signed in; a new page in the same context, its cache emptied, navigates to home.
  const fresh = await context.newPage();
  const cdp = await context.newCDPSession(fresh);
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  let bytes = 0;
  fresh.on('response', (r) => {
    if (r.url().includes('/assets/') && r.url().endsWith('.js'))
      // A body still arriving when the context closes is simply not counted.
      void r.body().then(
        (b) => {
          bytes += b.length;
        },
        () => undefined,
      );
  });
  const t = process.hrtime.bigint();
  await fresh.goto('/', { waitUntil: 'commit' });
  await fresh.getByTestId('figure-ledger').getByText(/\d/).first().waitFor();
  home.push(Number(process.hrtime.bigint() - t) / 1e6);
  homeBytes = bytes;
  await context.close();
}
// Bound 2: a static page of the same JavaScript, from the same server: the home page's own
// script files, loaded in order with no API call and no rendering work of ours.
{
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  const files = initialJs(webDir, 'home').files.map((f) => f.file);
  await page.route('**/bench-static.html', (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><html><body>${files.map((f) => `<link rel="preload" as="fetch" crossorigin href="/${f}">`).join('')}</body></html>`,
    }),
  );
  for (let i = 0; i < runs; i++) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const t = process.hrtime.bigint();
    await page.goto('/bench-static.html', { waitUntil: 'commit' });
    await page.evaluate(
      (urls) => Promise.all(urls.map((u) => fetch(`/${u}`).then((r) => r.arrayBuffer()))),
      files,
    );
    staticPage.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await context.close();
}
await browser.close();

const h = summarize(home);
const e = summarize(endpoint);
const s = summarize(staticPage);
console.log(
  `home page figures: ${fmt(grantsTotal)} grants, ${fmt(custos.ledger.sizes().sequenced)} ledger entries (seeded in ${fmt(seedSeconds, 1)} s), ${runs} runs, Chromium on loopback`,
);
console.log(
  `  navigation to figures shown: median ${fmt(h.median)} ms (p99 ${fmt(h.p99)} ms), ${fmt(homeBytes / 1000)} kB of JS transferred`,
);
console.log(`  bound: GET /v1/overview round trip alone: median ${fmt(e.median, 1)} ms`);
console.log(
  `  bound: the same JS files fetched by a static page from the same server: median ${fmt(s.median)} ms`,
);
console.log(`  figures / (static load + endpoint): ${fmt(h.median / (s.median + e.median), 2)}x`);
await custos.close();
