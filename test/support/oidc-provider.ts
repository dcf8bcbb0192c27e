import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A person as the identity provider knows them. */
export interface ProviderIdentity {
  sub: string;
  preferredUsername: string;
  name?: string;
  /** Left out of the id_token when undefined. */
  groups?: string[] | undefined;
}

/** Ways to spoil the id_token of one code, to check that Custos refuses it. */
export interface IdTokenTampering {
  /** Claims that replace or add to the honest ones (nonce, aud, iss, exp, ...). */
  claims?: Record<string, unknown>;
  /** Sign with a key the provider never published (under the published key id). */
  signWithForeignKey?: boolean;
}

/** A request the provider turned down, so a test can tell which side refused a sign-in. */
export interface ProviderRefusal {
  endpoint: 'authorize' | 'token';
  error: string;
  reason: string;
}

export interface FakeOidcProvider {
  issuer: string;
  authorizationEndpoint: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Token requests answered with tokens. */
  readonly tokensIssued: number;
  /** How the client authenticated at the token endpoint, per token request. */
  readonly clientAuthMethods: ReadonlyArray<'client_secret_basic' | 'client_secret_post'>;
  readonly refusals: readonly ProviderRefusal[];
  /**
   * Plays the user signing in at the provider: checks the authorization request the browser was
   * sent with and returns a one-time code for `identity`, bound to the request's PKCE challenge,
   * nonce and redirect_uri. Throws when the request is not one this provider would accept.
   */
  issueCode(authorizationUrl: URL, identity: ProviderIdentity, tampering?: IdTokenTampering): string;
  close(): Promise<void>;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  nonce: string;
  identity: ProviderIdentity;
  tampering: IdTokenTampering;
}

class TokenError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    reason: string,
  ) {
    super(reason);
  }
}

const keyId = 'fake-idp-1';
const alg = 'ES256';

function base64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(JSON.stringify(body));
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Client credentials from HTTP Basic (RFC 6749 2.3.1: each part form-urlencoded) or from the body. */
function clientCredentials(
  request: IncomingMessage,
  form: URLSearchParams,
): { method: 'client_secret_basic' | 'client_secret_post'; id: string; secret: string } {
  const header = request.headers.authorization;
  const inBody = form.has('client_secret');
  if (header && inBody) throw new TokenError(400, 'invalid_request', 'more than one client authentication');
  if (header) {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
    const decoded = match ? Buffer.from(match[1] as string, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new TokenError(401, 'invalid_client', 'malformed Basic credentials');
    return {
      method: 'client_secret_basic',
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  }
  if (inBody) {
    return {
      method: 'client_secret_post',
      id: form.get('client_id') ?? '',
      secret: form.get('client_secret') ?? '',
    };
  }
  throw new TokenError(401, 'invalid_client', 'no client authentication');
}

/**
 * A small OpenID provider on 127.0.0.1 for end-to-end sign-in tests: discovery, JWKS and a token
 * endpoint that checks client authentication, the code, redirect_uri and PKCE (S256) before it
 * hands out an ES256-signed id_token. The authorization step is `issueCode`, called by the test.
 */
export async function startFakeOidcProvider(options: {
  redirectUri: string;
  clientId?: string;
  clientSecret?: string;
  /** Path of the issuer under the server's origin, as e.g. Keycloak's `/realms/<name>`. */
  issuerPath?: string;
}): Promise<FakeOidcProvider> {
  const clientId = options.clientId ?? 'custos';
  const clientSecret = options.clientSecret ?? 'fake-idp-client-secret';
  const issuerPath = options.issuerPath ?? '/realms/custos';
  const signing = await generateKeyPair(alg);
  const foreign = await generateKeyPair(alg);
  const publicJwk: JWK = { ...(await exportJWK(signing.publicKey)), kid: keyId, alg, use: 'sig' };

  const codes = new Map<string, IssuedCode>();
  const refusals: ProviderRefusal[] = [];
  const clientAuthMethods: Array<'client_secret_basic' | 'client_secret_post'> = [];
  let tokensIssued = 0;

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}${issuerPath}`;
  const endpoints = {
    authorization: `${issuer}/protocol/openid-connect/auth`,
    token: `${issuer}/protocol/openid-connect/token`,
    jwks: `${issuer}/protocol/openid-connect/certs`,
  };

  async function idToken(code: IssuedCode): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const { identity, tampering } = code;
    const claims: Record<string, unknown> = {
      iss: issuer,
      aud: code.clientId,
      sub: identity.sub,
      nonce: code.nonce,
      iat: now,
      exp: now + 300,
      preferred_username: identity.preferredUsername,
      name: identity.name ?? identity.preferredUsername,
      ...(identity.groups ? { groups: identity.groups } : {}),
      ...tampering.claims,
    };
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid: keyId, typ: 'JWT' })
      .sign(tampering.signWithForeignKey ? foreign.privateKey : signing.privateKey);
  }

  async function token(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') throw new TokenError(405, 'invalid_request', 'token needs POST');
    if (!request.headers['content-type']?.startsWith('application/x-www-form-urlencoded'))
      throw new TokenError(400, 'invalid_request', 'token needs a form body');
    const form = new URLSearchParams(await readBody(request));
    const client = clientCredentials(request, form);
    if (client.id !== clientId || client.secret !== clientSecret)
      throw new TokenError(401, 'invalid_client', 'unknown client or wrong secret');
    if (form.has('client_id') && form.get('client_id') !== clientId)
      throw new TokenError(401, 'invalid_client', 'client_id in the body names another client');
    if (form.get('grant_type') !== 'authorization_code')
      throw new TokenError(400, 'unsupported_grant_type', 'only authorization_code');
    const codeValue = form.get('code') ?? '';
    const code = codes.get(codeValue);
    // A code is good for one exchange, even a failed one (RFC 6749 4.1.2).
    codes.delete(codeValue);
    if (!code) throw new TokenError(400, 'invalid_grant', 'unknown or used code');
    if (code.clientId !== client.id)
      throw new TokenError(400, 'invalid_grant', 'code issued to another client');
    if (form.get('redirect_uri') !== code.redirectUri)
      throw new TokenError(400, 'invalid_grant', 'redirect_uri differs from the authorization request');
    const verifier = form.get('code_verifier') ?? '';
    if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier))
      throw new TokenError(400, 'invalid_grant', 'missing or malformed code_verifier');
    if (base64url(createHash('sha256').update(verifier).digest()) !== code.codeChallenge)
      throw new TokenError(400, 'invalid_grant', 'code_verifier does not match the code_challenge');
    clientAuthMethods.push(client.method);
    tokensIssued += 1;
    sendJson(response, 200, {
      access_token: base64url(randomBytes(32)),
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'openid profile email',
      id_token: await idToken(code),
    });
  }

  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', issuer).href.split('?')[0];
    const handle = async () => {
      if (path === `${issuer}/.well-known/openid-configuration` && request.method === 'GET') {
        return sendJson(response, 200, {
          issuer,
          authorization_endpoint: endpoints.authorization,
          token_endpoint: endpoints.token,
          jwks_uri: endpoints.jwks,
          response_types_supported: ['code'],
          grant_types_supported: ['authorization_code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: [alg],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          scopes_supported: ['openid', 'profile', 'email'],
          claims_supported: ['sub', 'iss', 'aud', 'nonce', 'preferred_username', 'name', 'groups'],
        });
      }
      if (path === endpoints.jwks && request.method === 'GET') {
        return sendJson(response, 200, { keys: [publicJwk] }, { 'content-type': 'application/jwk-set+json' });
      }
      if (path === endpoints.token) return token(request, response);
      return sendJson(response, 404, { error: 'not_found' });
    };
    handle().catch((error: unknown) => {
      if (error instanceof TokenError) {
        refusals.push({ endpoint: 'token', error: error.error, reason: error.message });
        return sendJson(response, error.status, { error: error.error, error_description: error.message });
      }
      refusals.push({ endpoint: 'token', error: 'server_error', reason: String(error) });
      return sendJson(response, 500, { error: 'server_error' });
    });
  });

  return {
    issuer,
    authorizationEndpoint: endpoints.authorization,
    clientId,
    clientSecret,
    redirectUri: options.redirectUri,
    get tokensIssued() {
      return tokensIssued;
    },
    clientAuthMethods,
    refusals,
    issueCode(authorizationUrl, identity, tampering = {}) {
      const params = authorizationUrl.searchParams;
      const refuse = (error: string, reason: string): never => {
        refusals.push({ endpoint: 'authorize', error, reason });
        throw new Error(`fake provider refused the authorization request: ${reason}`);
      };
      if (`${authorizationUrl.origin}${authorizationUrl.pathname}` !== endpoints.authorization)
        refuse('invalid_request', 'not this provider');
      if (params.get('client_id') !== clientId) refuse('unauthorized_client', 'unknown client_id');
      // Exact match against the registered URI, as providers must (no prefix or pattern match).
      if (params.get('redirect_uri') !== options.redirectUri)
        refuse('invalid_request', 'unregistered redirect_uri');
      if (params.get('response_type') !== 'code') refuse('unsupported_response_type', 'only code');
      if (!(params.get('scope') ?? '').split(' ').includes('openid'))
        refuse('invalid_scope', 'openid missing');
      if (params.get('code_challenge_method') !== 'S256') refuse('invalid_request', 'PKCE S256 required');
      const codeChallenge = params.get('code_challenge') ?? '';
      if (!/^[A-Za-z0-9_-]{43}$/.test(codeChallenge)) refuse('invalid_request', 'malformed code_challenge');
      const nonce = params.get('nonce');
      if (!nonce) refuse('invalid_request', 'nonce missing');
      if (!params.get('state')) refuse('invalid_request', 'state missing');
      const code = base64url(randomBytes(24));
      codes.set(code, {
        clientId,
        redirectUri: options.redirectUri,
        codeChallenge,
        nonce: nonce as string,
        identity,
        tampering,
      });
      return code;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}
