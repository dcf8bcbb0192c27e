import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestCustos, type TestCustos, testPassword } from '../support/app.js';
import {
  type FakeOidcProvider,
  type IdTokenTampering,
  type ProviderIdentity,
  startFakeOidcProvider,
} from '../support/oidc-provider.js';
import { backends } from '../support/services.js';

const redirectUri = 'http://custos.test/v1/auth/oidc/callback';

const roleMap = {
  'custos-admins': ['admin'],
  'custos-analysts': ['analyst'],
  'custos-approvers': ['approver', 'analyst'],
  // Custos must never hand the machine-only role to a person, whatever the map says.
  robots: ['service'],
};

const dana: ProviderIdentity = {
  sub: '8d5c1f7e-dana',
  preferredUsername: 'Dana',
  name: 'Dana Scully',
  groups: ['custos-analysts', 'unrelated-team'],
};

interface BrowserSignIn {
  authorizationUrl: URL;
  state: string;
  callbackPath: string;
  callback: LightMyRequestResponse;
}

function errorCode(response: LightMyRequestResponse): string {
  return (response.json() as { code: string }).code;
}

function sessionCookieOf(response: LightMyRequestResponse): string | undefined {
  return response.cookies.find((cookie) => cookie.name === 'custos_session')?.value;
}

describe.each(backends)('OIDC sign-in against an OpenID provider on %s', (backend) => {
  let provider: FakeOidcProvider;
  let t: TestCustos;

  beforeEach(async () => {
    provider = await startFakeOidcProvider({ redirectUri });
    t = await createTestCustos(backend, {
      'auth.oidc.issuer': provider.issuer,
      'auth.oidc.clientId': provider.clientId,
      'auth.oidc.clientSecret': provider.clientSecret,
      'auth.oidc.redirectUri': redirectUri,
      'auth.oidc.roleMap': roleMap,
    });
  });
  afterEach(async () => {
    await t.dispose();
    await provider.close();
  });

  /** Asks Custos where to send the browser and returns the provider URL it chose. */
  async function startSignIn(): Promise<URL> {
    const login = await t.custos.api.app.inject({ method: 'GET', url: '/v1/auth/oidc/login' });
    expect(login.statusCode).toBe(302);
    const location = login.headers.location;
    expect(typeof location).toBe('string');
    return new URL(location as string);
  }

  function finishSignIn(callbackPath: string): Promise<LightMyRequestResponse> {
    return t.custos.api.app.inject({ method: 'GET', url: callbackPath, headers: { 'user-agent': 'vitest' } });
  }

  /** The whole browser round trip: Custos, the provider's sign-in page, back to the callback. */
  async function signInAtProvider(
    identity: ProviderIdentity,
    tampering?: IdTokenTampering,
  ): Promise<BrowserSignIn> {
    const authorizationUrl = await startSignIn();
    const state = authorizationUrl.searchParams.get('state') ?? '';
    const code = provider.issueCode(authorizationUrl, identity, tampering);
    const callbackPath = `/v1/auth/oidc/callback?${new URLSearchParams({ code, state })}`;
    return { authorizationUrl, state, callbackPath, callback: await finishSignIn(callbackPath) };
  }

  async function sessionUser(cookie: string | undefined) {
    const response = await t.custos.api.app.inject({
      method: 'GET',
      url: '/v1/auth/session',
      headers: { cookie: `custos_session=${cookie}` },
    });
    return response;
  }

  function expectRefused(callback: LightMyRequestResponse): void {
    expect(callback.statusCode).toBe(401);
    expect(errorCode(callback)).toBe('auth.oidc_failed');
    expect(sessionCookieOf(callback)).toBeUndefined();
  }

  const allUsers = () => t.custos.users.list({ includeDisabled: true });

  it('sends the browser to the provider with PKCE S256, a nonce, a state and the registered redirect_uri', async () => {
    const url = await startSignIn();
    expect(`${url.origin}${url.pathname}`).toBe(provider.authorizationEndpoint);
    const params = url.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(provider.clientId);
    expect(params.get('redirect_uri')).toBe(redirectUri);
    expect(params.get('scope')?.split(' ')).toContain('openid');
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const state = params.get('state') ?? '';
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The verifier never leaves Custos, and only a hash of the state is stored.
    expect(url.href).not.toContain('code_verifier');
    const saved = await t.custos.store.db.selectFrom('oidc_states').selectAll().execute();
    expect(saved).toHaveLength(1);
    expect(saved[0]?.state_hash).not.toBe(state);
    expect(JSON.stringify(saved)).not.toContain(state);
    // Each sign-in gets its own state, nonce and challenge.
    const second = (await startSignIn()).searchParams;
    for (const name of ['state', 'nonce', 'code_challenge'])
      expect(second.get(name)).not.toBe(params.get(name));
  });

  it('provisions the user on first sign-in with the roles mapped from the groups claim', async () => {
    expect(await allUsers()).toHaveLength(0);
    const { callback } = await signInAtProvider(dana);

    expect(callback.statusCode).toBe(302);
    expect(callback.headers.location).toBe('/');
    const cookie = callback.cookies.find((c) => c.name === 'custos_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(callback.cookies.find((c) => c.name === 'custos_csrf')?.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The provider only answered after checking client auth, code, redirect_uri and PKCE.
    expect(provider.refusals).toEqual([]);
    expect(provider.tokensIssued).toBe(1);
    expect(provider.clientAuthMethods).toHaveLength(1);

    const me = await sessionUser(cookie?.value);
    expect(me.statusCode).toBe(200);
    expect(me.json().user).toMatchObject({
      username: 'dana',
      displayName: 'Dana Scully',
      roles: ['analyst'],
      oidc: true,
      disabledAt: null,
      lastLoginAt: t.clock.now(),
    });
    const users = await allUsers();
    expect(users.map((u) => u.username)).toEqual(['dana']);
    const row = await t.custos.users.findForLogin('dana');
    expect(row).toMatchObject({ password_hash: null, oidc_subject: `${provider.issuer}#${dana.sub}` });
    const created = await t.custos.store.db
      .selectFrom('outbox')
      .select('topic')
      .where('topic', '=', 'identity.user.created')
      .execute();
    expect(created).toHaveLength(1);
  });

  it('maps several groups to the union of their roles without duplicates', async () => {
    const { callback } = await signInAtProvider({
      ...dana,
      groups: ['custos-analysts', 'custos-approvers', 'robots'],
    });
    const me = await sessionUser(sessionCookieOf(callback));
    expect([...me.json().user.roles].sort()).toEqual(['analyst', 'approver']);
  });

  it('accepts the extra callback parameters providers add (iss, session_state, scope, authuser)', async () => {
    const authorizationUrl = await startSignIn();
    const state = authorizationUrl.searchParams.get('state') ?? '';
    const code = provider.issueCode(authorizationUrl, dana);
    const extras = { iss: provider.issuer, session_state: 'f0c3e1', scope: 'openid profile', authuser: '0' };
    const callback = await finishSignIn(
      `/v1/auth/oidc/callback?${new URLSearchParams({ code, state, ...extras })}`,
    );
    expect(callback.statusCode, callback.body).toBe(302);
    expect((await sessionUser(sessionCookieOf(callback))).json().user.username).toBe('dana');
  });

  it('reuses the same user on a second sign-in and updates its roles when the groups change', async () => {
    const first = await signInAtProvider(dana);
    const firstUser = (await sessionUser(sessionCookieOf(first.callback))).json().user;
    t.clock.advance(60_000);

    const second = await signInAtProvider({ ...dana, name: 'Renamed', groups: ['custos-admins'] });
    expect(second.callback.statusCode).toBe(302);
    const secondUser = (await sessionUser(sessionCookieOf(second.callback))).json().user;
    expect(secondUser.id).toBe(firstUser.id);
    expect(secondUser).toMatchObject({ username: 'dana', roles: ['admin'], lastLoginAt: t.clock.now() });
    expect(sessionCookieOf(second.callback)).not.toBe(sessionCookieOf(first.callback));
    // Roles are read per request, so the earlier session sees the new roles too.
    const earlier = await sessionUser(sessionCookieOf(first.callback));
    expect(earlier.json().user.roles).toEqual(['admin']);
    expect(await allUsers()).toHaveLength(1);
  });

  it('matches a returning user by subject, not by username', async () => {
    const first = await signInAtProvider(dana);
    const id = (await sessionUser(sessionCookieOf(first.callback))).json().user.id;
    const renamed = await signInAtProvider({ ...dana, preferredUsername: 'dana.scully' });
    const user = (await sessionUser(sessionCookieOf(renamed.callback))).json().user;
    expect(user).toMatchObject({ id, username: 'dana' });
    // Another subject with the same username is another person and gets no way in.
    const impostor = await signInAtProvider({ ...dana, sub: 'someone-else' });
    expectRefused(impostor.callback);
    expect(await allUsers()).toHaveLength(1);
  });

  it('refuses a replayed callback with an already used state (401 auth.oidc_failed)', async () => {
    const first = await signInAtProvider(dana);
    expect(first.callback.statusCode).toBe(302);

    const replay = await finishSignIn(first.callbackPath);
    expectRefused(replay);
    // Refused before the code is sent anywhere: the state was spent by the first callback.
    expect(provider.tokensIssued).toBe(1);
    expect(provider.refusals).toEqual([]);
    expect(await t.custos.store.db.selectFrom('oidc_states').selectAll().execute()).toHaveLength(0);
  });

  it('refuses a callback whose state is forged, empty or missing, without spending the real state', async () => {
    const authorizationUrl = await startSignIn();
    const state = authorizationUrl.searchParams.get('state') ?? '';
    const code = provider.issueCode(authorizationUrl, dana);
    const forged = `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`;

    const queries: Array<Record<string, string>> = [
      { code, state: forged },
      { code, state: '' },
      { code },
      { code, state: state.toUpperCase() },
    ];
    for (const query of queries) {
      expectRefused(await finishSignIn(`/v1/auth/oidc/callback?${new URLSearchParams(query)}`));
    }
    expect(provider.tokensIssued).toBe(0);
    expect(await allUsers()).toHaveLength(0);

    // Guessing wrong does not spend the real state, so the genuine callback still completes.
    const genuine = await finishSignIn(`/v1/auth/oidc/callback?${new URLSearchParams({ code, state })}`);
    expect(genuine.statusCode).toBe(302);
  });

  it('refuses a callback whose state has expired', async () => {
    const authorizationUrl = await startSignIn();
    const state = authorizationUrl.searchParams.get('state') ?? '';
    const code = provider.issueCode(authorizationUrl, dana);
    t.clock.advance(10 * 60_000 + 1);
    expectRefused(await finishSignIn(`/v1/auth/oidc/callback?${new URLSearchParams({ code, state })}`));
    expect(provider.tokensIssued).toBe(0);
  });

  it('rejects smuggled callback parameters: a repeated state and an over-long value', async () => {
    const authorizationUrl = await startSignIn();
    const state = authorizationUrl.searchParams.get('state') ?? '';
    const code = provider.issueCode(authorizationUrl, dana);

    const repeated = await finishSignIn(`/v1/auth/oidc/callback?code=${code}&state=${state}&state=${state}`);
    expect(repeated.statusCode).toBe(400);
    const overLong = await finishSignIn(`/v1/auth/oidc/callback?code=${'a'.repeat(5000)}&state=${state}`);
    expect(overLong.statusCode).toBe(400);
    // Parameters Custos does not name are bounded alike.
    const overLongExtra = await finishSignIn(
      `/v1/auth/oidc/callback?code=${code}&state=${state}&authuser=${'0'.repeat(5000)}`,
    );
    expect(overLongExtra.statusCode).toBe(400);
    expect(sessionCookieOf(repeated)).toBeUndefined();
    expect(sessionCookieOf(overLong)).toBeUndefined();
    expect(sessionCookieOf(overLongExtra)).toBeUndefined();
    expect(provider.tokensIssued).toBe(0);
  });

  it("refuses a code issued for another browser's sign-in (PKCE binds the code to its verifier)", async () => {
    const victim = await startSignIn();
    const attacker = await startSignIn();
    // The attacker signs in as themselves and plants their code into the victim's callback.
    const attackerCode = provider.issueCode(attacker, {
      ...dana,
      sub: 'attacker',
      preferredUsername: 'mallory',
    });
    const injected = await finishSignIn(
      `/v1/auth/oidc/callback?${new URLSearchParams({ code: attackerCode, state: victim.searchParams.get('state') ?? '' })}`,
    );
    expectRefused(injected);
    expect(provider.refusals).toEqual([
      expect.objectContaining({
        endpoint: 'token',
        error: 'invalid_grant',
        reason: expect.stringMatching(/code_verifier/),
      }),
    ]);
    expect(await allUsers()).toHaveLength(0);
  });

  it('refuses an identity whose groups map to no role and creates no user', async () => {
    for (const groups of [['staff', 'custos'], [], ['robots'], undefined]) {
      const { callback } = await signInAtProvider({ ...dana, groups });
      expectRefused(callback);
      expect(callback.json().message).toMatch(/map to no role/);
    }
    expect(provider.tokensIssued).toBe(4);
    expect(await allUsers()).toHaveLength(0);
    const created = await t.custos.store.db.selectFrom('outbox').select('topic').execute();
    expect(created).toEqual([]);
  });

  it('refuses an identity whose username belongs to a local password account (no account linking)', async () => {
    const { user: local } = await t.custos.users.create({
      username: 'dana',
      roles: ['auditor'],
      password: testPassword,
      createdBy: 'test',
    });

    // The provider's username differs only in case; it still names the local account.
    const { callback } = await signInAtProvider({
      ...dana,
      preferredUsername: 'DANA',
      groups: ['custos-admins'],
    });
    expectRefused(callback);
    expect(callback.json().message).toMatch(/local account/);

    const row = await t.custos.users.findForLogin('dana');
    expect(row).toMatchObject({ id: local.id, oidc_subject: null, roles: JSON.stringify(['auditor']) });
    expect(row?.password_hash).toMatch(/^\$argon2/);
    expect(await allUsers()).toHaveLength(1);
  });

  it('refuses an identity whose username claim is not a usable username', async () => {
    for (const preferredUsername of ['', 'x', 'dana scully', '../admin', 'd'.repeat(65)]) {
      expectRefused((await signInAtProvider({ ...dana, preferredUsername })).callback);
    }
    expect(await allUsers()).toHaveLength(0);
  });

  const tamperings: Array<[string, IdTokenTampering]> = [
    ['a nonce from another sign-in', { claims: { nonce: 'A'.repeat(43) } }],
    ['no nonce', { claims: { nonce: undefined } }],
    ['a signature by a key the provider never published', { signWithForeignKey: true }],
    ['another audience', { claims: { aud: 'some-other-client' } }],
    ['another issuer', { claims: { iss: 'http://127.0.0.1:1/realms/custos' } }],
    [
      'an expiry in the past',
      { claims: { iat: Math.floor(Date.now() / 1000) - 3600, exp: Math.floor(Date.now() / 1000) - 600 } },
    ],
  ];

  it.each(tamperings)('refuses an id_token with %s', async (_label, tampering) => {
    const { callback } = await signInAtProvider(dana, tampering);
    expectRefused(callback);
    // The provider was satisfied; it is Custos (through openid-client) that refused the token.
    expect(provider.refusals).toEqual([]);
    expect(provider.tokensIssued).toBe(1);
    expect(await allUsers()).toHaveLength(0);
  });

  it('refuses a disabled OIDC user and keeps the account disabled with its old roles', async () => {
    const first = await signInAtProvider(dana);
    const { id } = (await sessionUser(sessionCookieOf(first.callback))).json().user;
    await t.custos.users.disable(id, 'test');
    // Disabling ends the session that was open.
    expect((await sessionUser(sessionCookieOf(first.callback))).statusCode).toBe(401);

    const again = await signInAtProvider({ ...dana, groups: ['custos-admins'] });
    expectRefused(again.callback);
    expect(again.callback.json().message).toMatch(/disabled/);
    const user = await t.custos.users.get(id);
    expect(user).toMatchObject({ roles: ['analyst'], oidc: true });
    expect(user.disabledAt).not.toBeNull();
  });
});

describe.each(backends)('OIDC sign-in when not configured on %s', (backend) => {
  let t: TestCustos;

  beforeEach(async () => {
    t = await createTestCustos(backend);
  });
  afterEach(async () => {
    await t.dispose();
  });

  it('answers 404 auth.oidc_disabled on the login and callback routes', async () => {
    for (const url of ['/v1/auth/oidc/login', '/v1/auth/oidc/callback?code=abc&state=def']) {
      const response = await t.custos.api.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(404);
      expect(errorCode(response)).toBe('auth.oidc_disabled');
      expect(response.headers.location).toBeUndefined();
    }
  });
});
