import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configKeys, type LoadConfigOptions, loadConfig, maskSecrets } from '../../src/core/config.js';
import { CustosError } from '../../src/core/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'custos-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A Standard Webhooks secret: `whsec_` and the base64 of `bytes` random bytes. */
function webhookSecretOf(bytes: number): string {
  return `whsec_${randomBytes(bytes).toString('base64')}`;
}

/** Writes a YAML config file into this test's folder and returns its path. */
function yamlFile(text: string): string {
  const file = join(dir, 'custos.yaml');
  writeFileSync(file, text);
  return file;
}

/** The error loadConfig throws, or fails the test when it does not throw. */
function loadError(options: LoadConfigOptions): CustosError {
  try {
    loadConfig(options);
  } catch (error) {
    expect(error).toBeInstanceOf(CustosError);
    return error as CustosError;
  }
  throw new Error('loadConfig did not throw');
}

/** Everything a caller or a log could see of an error. */
function errorText(error: CustosError): string {
  return `${error.message} ${JSON.stringify(error.details ?? {})} ${String(error.stack)}`;
}

/** Paths of the leaves of a parsed config; arrays and empty records count as leaves. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([key, inner]) =>
      leafPaths(inner, prefix ? `${prefix}.${key}` : key),
    );
  }
  return [prefix];
}

describe('loadConfig', () => {
  it('uses the defaults when no file, environment or override sets a value', () => {
    const { config, sources, unknownEnv } = loadConfig({ env: {} });
    expect(config.server.port).toBe(7070);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('./custos-data');
    expect(config.database.url).toBeUndefined();
    expect(config.auth.sessionTtl).toBe(12 * 3_600_000);
    expect(config.auth.oidc).toBeUndefined();
    expect(config.webhooks).toEqual([]);
    expect(sources).toEqual(['defaults']);
    expect(unknownEnv).toEqual([]);
  });

  it('lets the YAML file override the defaults and keeps defaults for keys it leaves out', () => {
    const file = yamlFile(
      ['dataDir: /var/lib/custos', 'server:', '  port: 8080', 'auth:', '  sessionTtl: 30m'].join('\n'),
    );
    const { config, sources } = loadConfig({ file, env: {} });
    expect(config.dataDir).toBe('/var/lib/custos');
    expect(config.server.port).toBe(8080);
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.auth.sessionTtl).toBe(30 * 60_000);
    expect(sources).toEqual(['defaults', `file ${file}`]);
  });

  it('reads the file named by CUSTOS_CONFIG when no file is given', () => {
    const file = yamlFile('server:\n  port: 8181\n');
    expect(loadConfig({ env: { CUSTOS_CONFIG: file } }).config.server.port).toBe(8181);
  });

  it('lets CUSTOS_* variables override the file, parsing durations and JSON', () => {
    const file = yamlFile(
      [
        'server:',
        '  host: 0.0.0.0',
        '  port: 8080',
        'database:',
        '  url: postgres://file@db/custos',
        'auth:',
        '  sessionTtl: 30m',
      ].join('\n'),
    );
    const webhooks = [{ name: 'siem', url: 'https://siem.example/hook', secret: webhookSecretOf(32) }];
    const { config, sources } = loadConfig({
      file,
      env: {
        CUSTOS_SERVER_PORT: '9090',
        CUSTOS_DATABASE_URL: 'postgres://env@db/custos',
        CUSTOS_AUTH_SESSION_TTL: '2h',
        CUSTOS_WEBHOOKS: JSON.stringify(webhooks),
      },
    });
    expect(config.server.port).toBe(9090);
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.database.url).toBe('postgres://env@db/custos');
    expect(config.auth.sessionTtl).toBe(7_200_000);
    expect(config.webhooks).toEqual([{ ...webhooks[0], topics: ['*'], format: 'event' }]);
    expect(sources).toEqual([
      'defaults',
      `file ${file}`,
      'environment CUSTOS_AUTH_SESSION_TTL, CUSTOS_DATABASE_URL, CUSTOS_SERVER_PORT, CUSTOS_WEBHOOKS',
    ]);
  });

  it('lets overrides beat the environment', () => {
    const { config, sources } = loadConfig({
      env: { CUSTOS_SERVER_PORT: '9090', CUSTOS_DATABASE_SCHEMA: 'from_env' },
      overrides: { 'server.port': 9999, 'database.schema': 'from_flags' },
    });
    expect(config.server.port).toBe(9999);
    expect(config.database.schema).toBe('from_flags');
    expect(sources).toHaveLength(3);
  });

  it('ignores overrides whose value is undefined', () => {
    const { config } = loadConfig({
      env: { CUSTOS_SERVER_PORT: '9090' },
      overrides: { 'server.port': undefined },
    });
    expect(config.server.port).toBe(9090);
  });

  it.each([
    ['CUSTOS_SERVER_PORT', 'abc', 'server.port'],
    ['CUSTOS_SERVER_PORT', '80.5', 'server.port'],
    ['CUSTOS_SERVER_PORT', '70000', 'server.port'],
    ['CUSTOS_SERVER_PORT', '', 'server.port'],
    ['CUSTOS_SERVER_PORT', ' ', 'server.port'],
    ['CUSTOS_SERVER_PORT', '0x50', 'server.port'],
    ['CUSTOS_SERVER_PORT', '8e3', 'server.port'],
    ['CUSTOS_AUTH_SESSION_TTL', 'soon', 'auth.sessionTtl'],
    ['CUSTOS_AUTH_SESSION_TTL', '2 h', 'auth.sessionTtl'],
    ['CUSTOS_AUTH_SESSION_TTL', '-5m', 'auth.sessionTtl'],
    ['CUSTOS_SERVER_TRUST_PROXY', 'yes', 'server.trustProxy'],
    ['CUSTOS_LOG_LEVEL', 'loud', 'log.level'],
    ['CUSTOS_DATABASE_URL', 'mysql://db/custos', 'database.url'],
    ['CUSTOS_DATABASE_SCHEMA', 'Robert"; drop table users', 'database.schema'],
    ['CUSTOS_OUTBOX_MAX_ATTEMPTS', '0', 'outbox.maxAttempts'],
  ])('rejects %s=%s as config.invalid naming %s', (name, value, path) => {
    const error = loadError({ env: { [name]: value } });
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain(`${path}:`);
  });

  it('rejects a JSON variable that is not JSON, naming the variable and its key', () => {
    const error = loadError({ env: { CUSTOS_WEBHOOKS: '[{name: siem}' } });
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain('CUSTOS_WEBHOOKS');
    expect(error.message).toContain('webhooks');
  });

  it('never puts an OIDC client secret into the error text', () => {
    const secret = 'oidc-client-secret-4f9a1c';
    const error = loadError({
      env: {
        CUSTOS_AUTH_OIDC_ISSUER: 'not a url',
        CUSTOS_AUTH_OIDC_CLIENT_ID: 'custos',
        CUSTOS_AUTH_OIDC_CLIENT_SECRET: secret,
        CUSTOS_AUTH_OIDC_REDIRECT_URI: 'https://custos.example/v1/auth/oidc/callback',
      },
    });
    expect(error.message).toContain('auth.oidc.issuer');
    expect(errorText(error)).not.toContain(secret);
  });

  it('never puts a malformed OIDC client secret into the error text', () => {
    const file = yamlFile(
      [
        'auth:',
        '  oidc:',
        '    issuer: https://idp.example',
        '    clientId: custos',
        '    clientSecret: { oidc-client-secret-4f9a1c: 1 }',
        '    redirectUri: https://custos.example/v1/auth/oidc/callback',
      ].join('\n'),
    );
    const error = loadError({ file, env: {} });
    expect(error.message).toContain('auth.oidc.clientSecret');
    expect(errorText(error)).not.toContain('oidc-client-secret-4f9a1c');
  });

  it.each([24, 32, 64])('accepts a Standard Webhooks secret of %i bytes', (bytes) => {
    const secret = webhookSecretOf(bytes);
    const { config } = loadConfig({
      env: { CUSTOS_WEBHOOKS: JSON.stringify([{ name: 'siem', url: 'https://siem.example', secret }]) },
    });
    expect(config.webhooks[0]?.secret).toBe(secret);
  });

  const key = randomBytes(32);
  it.each([
    ['a plain password, without the whsec_ prefix', 'correct-horse-battery-staple-0123456789'],
    ['the base64 key without its prefix', key.toString('base64')],
    ['a key that is not base64', `whsec_${'Zm9v!bar'.repeat(6)}`],
    ['a base64url key', `whsec_${key.toString('base64url')}`],
    ['a key without its base64 padding', `whsec_${randomBytes(31).toString('base64').replace(/=+$/, '')}`],
    ['a key with a line break pasted in', `whsec_${key.toString('base64')}\n`],
    ['a key of 16 bytes, below the 24 the standard asks', webhookSecretOf(16)],
    ['a key of 65 bytes, above the 64 the standard allows', webhookSecretOf(65)],
  ])('refuses %s at load, naming the key and how to make one, never quoting it', (_what, secret) => {
    const error = loadError({
      env: { CUSTOS_WEBHOOKS: JSON.stringify([{ name: 'siem', url: 'https://siem.example', secret }]) },
    });
    expect(error.message).toContain('webhooks.0.secret');
    expect(error.message).toContain('custos webhook secret');
    expect(errorText(error)).not.toContain(secret.replace(/^whsec_/, '').trim());
  });

  it('never quotes a secret from a YAML file that does not parse', () => {
    const file = yamlFile(
      ['auth:', '  oidc:', '    clientSecret: yaml-secret-77c2e0', '   clientId: [custos'].join('\n'),
    );
    const error = loadError({ file, env: {} });
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain('not valid YAML');
    expect(errorText(error)).not.toContain('yaml-secret-77c2e0');
  });

  it('rejects a missing config file as config.invalid', () => {
    const error = loadError({ file: join(dir, 'absent.yaml'), env: {} });
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain('absent.yaml');
  });

  it('rejects a YAML file whose top level is not a mapping', () => {
    const error = loadError({ file: yamlFile('- port: 80\n'), env: {} });
    expect(error.code).toBe('config.invalid');
  });

  it('rejects unknown keys in the YAML file, naming them', () => {
    const error = loadError({ file: yamlFile('server:\n  prot: 8080\ncolour: blue\n'), env: {} });
    expect(error.code).toBe('config.invalid');
    expect(error.message).toContain('prot');
    expect(error.message).toContain('colour');
  });

  it('reports CUSTOS_* variables that name no key, ignoring CUSTOS_TEST_* and other variables', () => {
    const { unknownEnv } = loadConfig({
      env: {
        CUSTOS_SERVR_PORT: '8080',
        CUSTOS_TEST_DATABASE_URL: 'postgres://test@db/test',
        CUSTOS_SERVER_PORT: '8080',
        PATH: '/usr/bin',
      },
    });
    expect(unknownEnv).toEqual(['CUSTOS_SERVR_PORT']);
  });
});

describe('maskSecrets', () => {
  const hookSecret = webhookSecretOf(32);
  const secrets = ['db-pass-1', 'redis-pass-2', hookSecret, 'oidc-secret-3', 'url-pass-4'];
  const config = loadConfig({
    env: {},
    overrides: {
      'database.url': 'postgres://custos:db-pass-1@db.internal:5432/custos',
      'redis.url': 'rediss://:redis-pass-2@cache.internal:6380/0',
      webhooks: [{ name: 'siem', url: 'https://hook:url-pass-4@siem.example/in', secret: hookSecret }],
      'auth.oidc': {
        issuer: 'https://idp.example',
        clientId: 'custos',
        clientSecret: 'oidc-secret-3',
        redirectUri: 'https://custos.example/v1/auth/oidc/callback',
      },
    },
  }).config;

  it('hides URL credentials and secrets while keeping the rest readable', () => {
    const masked = maskSecrets(config) as typeof config;
    const text = JSON.stringify(masked);
    for (const secret of secrets) expect(text).not.toContain(secret);
    // The whole user part goes: a token is often passed as the user name.
    expect(masked.database.url).toBe('postgres://****@db.internal:5432/custos');
    expect(masked.redis.url).toBe('rediss://****@cache.internal:6380/0');
    expect(masked.webhooks[0]?.secret).toBe('****');
    expect(masked.webhooks[0]?.url).toBe('https://****@siem.example/****');
    expect(masked.auth.oidc?.clientSecret).toBe('****');
    expect(masked.auth.oidc?.clientId).toBe('custos');
    expect(masked.server).toEqual(config.server);
  });

  it('hides credentials passed as URL query parameters, keeping the parameter names', () => {
    const masked = maskSecrets({ database: { url: 'postgres://db/custos?user=custos&password=q-pass-5' } });
    expect(JSON.stringify(masked)).not.toContain('q-pass-5');
    expect(masked).toEqual({ database: { url: 'postgres://db/custos?user=****&password=****' } });
  });

  it('masks the user part and query of every URL: tracker, witnesses, OIDC, webhooks', () => {
    const { config: withUrls } = loadConfig({
      env: {},
      overrides: {
        'access.tracker': {
          url: 'https://bot:tracker-pass-8@jira.example/rest/api/2/issue/{id}?apiKey=tracker-key-9',
        },
        'ledger.witnesses': [
          { url: 'https://w-user:witness-pass-10@witness.example/?auth=witness-token-11', vkey: 'w+1+AA' },
        ],
        'auth.oidc': {
          issuer: 'https://oidc-user:issuer-pass-12@idp.example/realms/x?key=issuer-key-13',
          clientId: 'custos',
          clientSecret: 'oidc-secret-3',
          redirectUri: 'https://custos.example/v1/auth/oidc/callback?state_key=redirect-key-14#frag-15',
        },
      },
    });
    const masked = maskSecrets(withUrls) as typeof withUrls;
    const text = JSON.stringify(masked);
    for (const secret of [
      'tracker-pass-8',
      'tracker-key-9',
      'witness-pass-10',
      'witness-token-11',
      'issuer-pass-12',
      'issuer-key-13',
      'redirect-key-14',
      'frag-15',
      'bot',
      'w-user',
      'oidc-user',
    ]) {
      expect(text).not.toContain(secret);
    }
    // What is left still says where each URL points, placeholders as written.
    expect(masked.access.tracker?.url).toBe('https://****@jira.example/rest/api/2/issue/{id}?apiKey=****');
    expect(masked.ledger.witnesses[0]?.url).toBe('https://****@witness.example/?auth=****');
    expect(masked.auth.oidc?.issuer).toBe('https://****@idp.example/realms/x?key=****');
    expect(masked.auth.oidc?.redirectUri).toBe(
      'https://custos.example/v1/auth/oidc/callback?state_key=****#****',
    );
  });

  it('hides the path and query of webhook URLs, which authorise chat webhooks on their own', () => {
    const slack = 'https://hooks.slack.com/services/T0001/B0002/slack-capability-6';
    const masked = maskSecrets({
      webhooks: [
        { name: 'chat', url: slack, format: 'slack' },
        { name: 'siem', url: 'https://siem.example:8443/in?token=q-token-7' },
      ],
    }) as { webhooks: { url: string }[] };
    const text = JSON.stringify(masked);
    expect(text).not.toContain('slack-capability-6');
    expect(text).not.toContain('q-token-7');
    expect(masked.webhooks.map((w) => w.url)).toEqual([
      'https://hooks.slack.com/****',
      'https://siem.example:8443/****',
    ]);
  });

  it('leaves its input unchanged', () => {
    maskSecrets(config);
    expect(config.database.url).toContain('db-pass-1');
  });
});

describe('configKeys', () => {
  const keys = configKeys();

  it('documents every key with an environment variable and a description', () => {
    for (const key of keys) {
      expect(key.env, key.path).toMatch(/^CUSTOS_[A-Z0-9]+(_[A-Z0-9]+)*$/);
      expect(key.description.trim(), key.path).not.toBe('');
    }
    expect(new Set(keys.map((k) => k.env)).size).toBe(keys.length);
  });

  it('lists every leaf of the configuration, and only leaves', () => {
    const paths = keys.map((k) => k.path);
    // Optional keys are set so that the parsed config holds every leaf.
    const everything = loadConfig({
      env: {},
      overrides: {
        'database.url': 'postgres://db/custos',
        'redis.url': 'redis://cache',
        'nats.url': 'nats://bus:4222',
        'ledger.dir': '/srv/custos/ledger',
        'ledger.keyFile': '/srv/custos/keys/ledger.skey',
        'ledger.witnessQuorum': 1,
        'access.catalog': [{ name: 'identity.phone', tier: 3, description: 'Phone number.' }],
        'access.policyDir': '/srv/custos/policies',
        'ato.enrich.data': {
          cityIpv4: '/srv/geo/city4.mmdb',
          cityIpv6: '/srv/geo/city6.mmdb',
          asnIpv4: '/srv/geo/asn4.csv',
          asnIpv6: '/srv/geo/asn6.csv',
        },
        'access.transparency.pseudonymSecret': 'x'.repeat(32),
        'access.tracker': { url: 'https://tracker.example/api/tickets/{id}', token: 'tracker-token' },
        'auth.oidc': {
          issuer: 'https://idp.example',
          clientId: 'custos',
          clientSecret: 'secret',
          redirectUri: 'https://custos.example/v1/auth/oidc/callback',
        },
      },
    }).config;
    expect([...paths].sort()).toEqual(leafPaths(everything).sort());
    for (const path of paths)
      expect(
        paths.some((other) => other.startsWith(`${path}.`)),
        path,
      ).toBe(false);
  });

  it('names each variable after its key path', () => {
    const byPath = new Map(keys.map((k) => [k.path, k]));
    expect(byPath.get('server.port')?.env).toBe('CUSTOS_SERVER_PORT');
    expect(byPath.get('auth.sessionTtl')?.env).toBe('CUSTOS_AUTH_SESSION_TTL');
    expect(byPath.get('auth.oidc.clientSecret')?.env).toBe('CUSTOS_AUTH_OIDC_CLIENT_SECRET');
    expect(byPath.get('webhooks')).toMatchObject({ env: 'CUSTOS_WEBHOOKS', kind: 'json' });
    expect(byPath.get('auth.oidc.roleMap')?.kind).toBe('json');
    expect(byPath.get('server.port')?.kind).toBe('scalar');
  });
});
