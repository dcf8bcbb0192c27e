/** Paths whose values are secret: printed and reported masked. `*` matches an array index. */
const secretPaths = [
  'auth.oidc.clientSecret',
  'webhooks.*.secret',
  'access.transparency.pseudonymSecret',
  'access.tracker.token',
];
/**
 * Paths holding URLs that are secret past their host: a chat webhook (Slack's
 * `hooks.slack.com/services/T…/B…/…`, say) is authorised by its path alone.
 */
const capabilityUrlPaths = ['webhooks.*.url'];

// scheme://[userinfo@]host[path][?query][#fragment], read as text so that what is printed is what
// was configured (a tracker's `{id}` placeholder stays as written, not percent-encoded).
const urlParts = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/s;

function pathMatches(pattern: string, path: string): boolean {
  const a = pattern.split('.');
  const b = path.split('.');
  return a.length === b.length && a.every((part, i) => part === '*' || part === b[i]);
}

/**
 * A URL with its credentials hidden: the whole user part (a token is often sent as the user
 * name), every query value (`?access_token=…`, `?sig=…`) and the fragment. A capability URL is
 * hidden past its host.
 */
export function maskUrl(value: string, beyondHost = false): string {
  const match = urlParts.exec(value);
  if (!match) return value;
  const [, scheme, userinfo, host, path, query, fragment] = match;
  const user = userinfo !== undefined ? '****@' : '';
  if (beyondHost) return `${scheme}${user}${host}/****`;
  const maskedQuery =
    query === undefined
      ? ''
      : `?${query
          .split('&')
          .map((pair) => (pair.includes('=') ? `${pair.slice(0, pair.indexOf('='))}=****` : pair))
          .join('&')}`;
  return `${scheme}${user}${host}${path}${maskedQuery}${fragment === undefined ? '' : '#****'}`;
}

/** True when the value at `path` is printed masked, so errors about it must not quote it either. */
export function isMaskedPath(path: string): boolean {
  return (
    [...secretPaths, ...capabilityUrlPaths].some((p) => pathMatches(p, path)) ||
    /(url|Url|issuer|redirectUri)$/.test(path)
  );
}

/**
 * A copy of `value` with secrets replaced by `****`, and every URL anywhere in it (database,
 * Redis, tracker, witnesses, OIDC, webhooks, and whatever is added later) without credentials.
 */
export function maskSecrets(value: unknown, path = ''): unknown {
  if (Array.isArray(value)) return value.map((item, i) => maskSecrets(item, path ? `${path}.${i}` : `${i}`));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, maskSecrets(inner, path ? `${path}.${key}` : key)]),
    );
  }
  if (typeof value === 'string') {
    if (secretPaths.some((p) => pathMatches(p, path))) return '****';
    if (urlParts.test(value))
      return maskUrl(
        value,
        capabilityUrlPaths.some((p) => pathMatches(p, path)),
      );
  }
  return value;
}
