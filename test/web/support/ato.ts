import type { Caller } from './seed.js';
import { keyCaller } from './seed.js';

/** What `POST /v1/auth/assess` answers. */
export interface AssessAnswer {
  id: string;
  duplicate: boolean;
  decision: 'allow' | 'challenge' | 'deny' | 'lock_device';
  challenges?: string[];
  retryAfter?: number;
  score: number;
  reasons: { code: string; message: string; contribution: number }[];
  actions: string[];
}

export interface SeededTakeover {
  account: string;
  phone: string;
  /** Each event sent, with the answer it got, oldest first. */
  assessed: { event: Record<string, unknown>; answer: AssessAnswer }[];
  takeover: { id: string; happenedAt: number; eventId: string };
}

const minute = 60_000;
const phoneAgent =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36';
const desktopAgent =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/**
 * One account's afternoon, as the platform reports it: three ordinary logins from the owner's
 * phone at home; a registration of the number on a desktop in another country; another from a new
 * phone on a home-country network, and its code, which the platform later confirms let the
 * attacker in; and a login from the attacker's phone. Everything goes
 * through the public API with a service key holding `ato.assess` and `ato.takeovers.write`,
 * created by an administrator; event times are within the last hours, since the server's clock is
 * the real one.
 */
export async function seedTakeover(
  baseUrl: string,
  admin: Caller,
  options: { account?: string; phone?: string; now?: number } = {},
): Promise<SeededTakeover> {
  const account = options.account ?? 'u_70012345';
  const phone = options.phone ?? '+447400123456';
  const now = options.now ?? Date.now();
  const { token } = await admin.call<{ token: string }>('POST', '/v1/apikeys', {
    name: `platform-auth-${account}`,
    roles: ['service'],
    scopes: ['ato.assess', 'ato.takeovers.write'],
  });
  const platform = keyCaller(baseUrl, token);
  const owner = { account, phone, device: 'dev-pixel-8a1', ip: '81.2.69.142', userAgent: phoneAgent };
  // The phisher abroad, on a desktop; then a phone on a UK network holding the phished code.
  const abroad = { account, phone, device: 'dev-win-77f3', ip: '89.160.20.112', userAgent: desktopAgent };
  const attacker = { account, phone, device: 'dev-pixel-5c2', ip: '2.125.160.216', userAgent: phoneAgent };
  const start = now - 5 * 60 * minute;
  const events: Record<string, unknown>[] = [
    {
      ...owner,
      eventId: `${account}-login-1`,
      type: 'login',
      time: start,
      outcome: 'success',
      locale: 'en-GB',
    },
    { ...owner, eventId: `${account}-login-2`, type: 'login', time: start + 40 * minute, outcome: 'success' },
    { ...owner, eventId: `${account}-login-3`, type: 'login', time: start + 90 * minute, outcome: 'success' },
    { ...abroad, eventId: `${account}-reg-1`, type: 'registration_start', time: start + 170 * minute },
    { ...attacker, eventId: `${account}-reg-2`, type: 'registration_start', time: start + 180 * minute },
    {
      ...attacker,
      eventId: `${account}-otp-1`,
      type: 'otp_verify',
      time: start + 182 * minute,
      outcome: 'success',
    },
    {
      ...attacker,
      eventId: `${account}-login-4`,
      type: 'login',
      time: start + 200 * minute,
      outcome: 'success',
    },
  ];
  const assessed: SeededTakeover['assessed'] = [];
  for (const event of events) {
    assessed.push({ event, answer: await platform.call<AssessAnswer>('POST', '/v1/auth/assess', event) });
  }
  const happenedAt = start + 182 * minute;
  const eventId = `${account}-otp-1`;
  const takeover = await platform.call<{ id: string }>('POST', '/v1/auth/takeovers', {
    account,
    phone,
    happenedAt,
    eventId,
    method: 'code_phishing',
    note: 'The owner gave the code to a caller posing as support.',
  });
  return { account, phone, assessed, takeover: { id: takeover.id, happenedAt, eventId } };
}
