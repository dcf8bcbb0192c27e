import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axe from 'axe-core';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type Custos, createCustos } from '../../../src/app.js';
import { loadConfig } from '../../../src/core/config.js';
import { createLogger } from '../../../src/core/logger.js';
import type { Role } from '../../../src/identity/roles.js';
import { testPassword } from '../../support/app.js';

export const chromiumPath = '/usr/bin/chromium';

/**
 * Whether the browser tests can run here. Without Debian's Chromium they skip on a laptop; under
 * CI=true a missing browser fails the run (`.ci/run` installs it), so CI never passes by skipping.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (process.env.CI === 'true')
    throw new Error(`CI=true but ${chromiumPath} is missing: apt-get install -y chromium`);
  return false;
}

export interface ConsoleServer {
  custos: Custos;
  baseUrl: string;
  dispose(): Promise<void>;
}

/**
 * A whole Custos with the built console, on a random loopback port, with a fresh SQLite store
 * and the real clock (the browser's clock is real too).
 */
export async function startConsoleServer(overrides: Record<string, unknown> = {}): Promise<ConsoleServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'custos-web-'));
  const { config } = loadConfig({ env: {}, overrides: { dataDir, 'log.level': 'silent', ...overrides } });
  const custos = await createCustos(config, { logger: createLogger({ level: 'silent', pretty: false }) });
  const address = await custos.api.app.listen({ host: '127.0.0.1', port: 0 });
  custos.start();
  return {
    custos,
    baseUrl: address,
    async dispose() {
      await custos.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export const laptop = { width: 1440, height: 900 };
export const phone = { width: 390, height: 844 };

/** One person's browser: their own cookies, and every page error or CSP violation collected. */
export interface Person {
  context: BrowserContext;
  page: Page;
  /** Page errors, failed console asserts and CSP violations seen so far; a test expects none. */
  problems: string[];
}

export async function openPerson(
  browser: Browser,
  baseUrl: string,
  options: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {},
): Promise<Person> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: options.viewport ?? laptop,
    colorScheme: options.colorScheme ?? 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (message.type() !== 'error') return;
    // A refused call's status is shown by the page itself; the browser's own line adds nothing.
    if (/Failed to load resource: the server responded with a status of (401|403|404|409|422|429)/.test(text))
      return;
    // axe-core probes for `eval` from its injected script, which the CSP rightly refuses: only
    // refusals from the console's own scripts count.
    if (/^CSP violation: script-src eval from (?!.*\/assets\/)/.test(text)) return;
    if (/^Refused to evaluate a string as JavaScript/.test(text)) return;
    problems.push(`console error: ${text}`);
  });
  // Violations as the page reports them, with the script that caused them.
  await context.addInitScript(`
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI + ' from ' +
        (event.sourceFile || 'injected script'));
    });`);
  return { context, page, problems };
}

/** Signs in through the sign-in form, as a person would. */
export async function signInAs(person: Person, username: string, password = testPassword): Promise<void> {
  const { page } = person;
  if (!page.url().includes('/sign-in')) await page.goto('/sign-in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/sign-in'));
}

export async function addPerson(custos: Custos, username: string, roles: Role[], displayName?: string) {
  const { user } = await custos.users.create({
    username,
    roles,
    password: testPassword,
    createdBy: 'test',
    ...(displayName ? { displayName } : {}),
  });
  return user;
}

const artifacts = join(import.meta.dirname, '../../../test-artifacts/screenshots');

/** Keeps a screenshot of the page as a test artifact (`test-artifacts/screenshots/<name>.png`). */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The serious and critical accessibility violations axe-core finds on the page, as lines. */
export async function accessibilityViolations(person: Person): Promise<string[]> {
  const { page } = person;
  // axe-core goes into the page once per document (a console page changes route without
  // reloading) and reports violations only: the passes and their nodes are most of what axe's
  // Playwright wrapper serialises, and the wrapper injects axe again on every scan.
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(axe.source);
  const violations = await page.evaluate(async (tags) => {
    // In the page: its own window and document (this file is typed without the DOM).
    const inPage = globalThis as unknown as { axe: typeof axe; document: axe.ElementContext };
    const result = await inPage.axe.run(inPage.document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      help: violation.help,
      nodes: violation.nodes.slice(0, 3).map((node) => ({
        target: node.target.map(String),
        failureSummary: node.failureSummary,
      })),
    }));
  }, accessibilityTags);
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} (${violation.nodes
          .map(
            (node) =>
              `${node.target.join(' ')}: ${(node.failureSummary ?? '').replace(/\s+/g, ' ').slice(0, 240)}`,
          )
          .join('; ')})`,
    );
}

const accessibilityTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** A browser test file's shared parts: one server and one browser, and the people it opened. */
export interface ConsoleSuite {
  readonly server: ConsoleServer;
  readonly browser: Browser;
  /**
   * Opens a person's browser. After each test, the screenshot of its last page is kept (named
   * after the file's prefix and the test) and the browser context is closed.
   */
  open(options?: Parameters<typeof openPerson>[2]): Promise<Person>;
}

/**
 * Registers the hooks every console test file needs, inside its `describe`: a Custos on a random
 * port (with `overrides`, then `setup` run against it) and Chromium before the tests; after each
 * test, screenshots and closed contexts; at the end, both stopped.
 */
export function consoleSuite(
  prefix: string,
  options: { overrides?: Record<string, unknown>; setup?: (server: ConsoleServer) => Promise<void> } = {},
): ConsoleSuite {
  let server: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let opened: Person[] = [];
  beforeAll(async () => {
    server = await startConsoleServer(options.overrides);
    await options.setup?.(server);
    browser = await launchChromium();
  }, 180_000);
  afterEach(async (context) => {
    const people = opened;
    opened = [];
    for (const [i, person] of people.entries()) {
      const suffix = i === people.length - 1 ? '' : `-${i + 1}`;
      await keepScreenshot(person.page, `${prefix}-${context.task.name}${suffix}`).catch(() => undefined);
      await person.context.close();
    }
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started yet`);
    return value;
  };
  return {
    get server() {
      return required(server, 'the console server');
    },
    get browser() {
      return required(browser, 'Chromium');
    },
    async open(openOptions) {
      const person = await openPerson(
        required(browser, 'Chromium'),
        required(server, 'the console server').baseUrl,
        openOptions,
      );
      opened.push(person);
      return person;
    },
  };
}
