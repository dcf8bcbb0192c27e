import type { Random } from './random.js';

/**
 * Devices and their user agents. A device keeps one user agent for the whole run (apps update
 * rarely within two weeks), so a change of agent on an account means a change of device.
 */

export interface Device {
  id: string;
  userAgent: string;
  kind: 'android' | 'iphone' | 'desktop' | 'tool';
}

const androidModels = [
  'SM-S918B',
  'SM-A546B',
  'SM-A145F',
  'Pixel 7',
  'Pixel 8',
  'Redmi Note 12',
  'Redmi 12C',
  'CPH2451',
  'moto g54 5G',
  'TECNO KI5q',
  'Infinix X6833B',
  'V2250',
] as const;

function android(random: Random, newer: boolean): string {
  const version = newer ? random.int(13, 15) : random.int(10, 15);
  const chrome = random.int(newer ? 122 : 112, 125);
  return `Mozilla/5.0 (Linux; Android ${version}; ${random.pick(androidModels)}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Mobile Safari/537.36`;
}

function iphone(random: Random, newer: boolean): string {
  const major = newer ? 17 : random.int(15, 18);
  const minor = random.int(0, 6);
  return `Mozilla/5.0 (iPhone; CPU iPhone OS ${major}_${minor} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/${major}.${minor} Mobile/15E148 Safari/604.1`;
}

function desktop(random: Random): string {
  const chrome = random.int(118, 125);
  return random.chance(0.7)
    ? `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome}.0.0.0 Safari/537.36`
    : 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15';
}

/** A phone: Android or iPhone as `platform` says, or as in a market where most phones run Android. */
export function phoneDevice(
  random: Random,
  options: { platform?: 'android' | 'iphone'; newer?: boolean } = {},
): Device {
  const platform = options.platform ?? (random.chance(0.75) ? 'android' : 'iphone');
  const newer = options.newer ?? false;
  return {
    id: `dev_${random.hex(8)}`,
    userAgent: platform === 'android' ? android(random, newer) : iphone(random, newer),
    kind: platform,
  };
}

/** A computer running the web client. */
export function desktopDevice(random: Random): Device {
  return { id: `dev_${random.hex(8)}`, userAgent: desktop(random), kind: 'desktop' };
}

const toolAgents = [
  'python-requests/2.31.0',
  'okhttp/4.12.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Linux; Android 11; sdk_gphone_x86) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.114 Mobile Safari/537.36',
] as const;

/**
 * An attacker's device: half the time an ordinary-looking phone, otherwise a script, an HTTP
 * library, a headless browser or an emulator.
 */
export function attackerDevice(random: Random, options: { looksLikePhone?: boolean } = {}): Device {
  if (options.looksLikePhone ?? random.chance(0.5)) return phoneDevice(random, { platform: 'android' });
  return { id: `dev_${random.hex(8)}`, userAgent: random.pick(toolAgents), kind: 'tool' };
}
