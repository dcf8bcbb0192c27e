import { createRequire } from 'node:module';
import { createBoundedCache } from '../core/cache.js';
import type { AgentFeatures, DeviceType } from './types.js';

/** The part of ua-parser-js 1.x (MIT) used here; the package ships no type declarations. */
interface UaResult {
  browser: { name?: string; major?: string };
  os: { name?: string; version?: string };
  device: { type?: string };
}
interface UaParser {
  setUA(ua: string): UaParser;
  getResult(): UaResult;
}

// Loaded with require because the CommonJS package has no types to import; 2.x would have them
// but is AGPL, so the project stays on 1.x.
const require = createRequire(import.meta.url);
const { UAParser } = require('ua-parser-js') as { UAParser: new () => UaParser };

/** Longest agent string kept as a feature value. */
export const maxAgentLength = 512;

/**
 * Crawlers, HTTP libraries and automation: a person signing in does not send these. `okhttp/x`
 * alone is the default of a common Android HTTP library: the platform's own app sets its own
 * agent, so the bare default means a script or an unofficial client. (Android's other default,
 * `Dalvik/2.1.0 (Linux; U; Android 13; …)`, is left to ua-parser: it names a real device, and
 * apps that never set an agent send it.) `bot` is a word ending, except in the phone brand Cubot.
 */
const botPattern =
  /(?<!cu)bot\b|crawl|spider|slurp|headless|phantomjs|puppeteer|playwright|selenium|^curl\/|^wget\/|python-requests|python-urllib|python-httpx|aiohttp|^okhttp\/|go-http-client|^java\/|apache-httpclient|libwww-perl|node-fetch|^axios\/|^undici|postmanruntime|insomnia|scrapy|guzzlehttp/i;

const parserDeviceTypes: Record<string, DeviceType> = {
  mobile: 'mobile',
  tablet: 'tablet',
  console: 'console',
  smarttv: 'smarttv',
  wearable: 'wearable',
  embedded: 'embedded',
};

/** Operating systems of desktop and laptop machines; ua-parser 1.x reports no device type for them. */
const desktopSystems = new Set([
  'Windows',
  'Mac OS',
  'macOS',
  'Linux',
  'Ubuntu',
  'Debian',
  'Fedora',
  'Red Hat',
  'SUSE',
  'openSUSE',
  'Arch',
  'Mint',
  'Gentoo',
  'Chromium OS',
  'Chrome OS',
  'FreeBSD',
  'OpenBSD',
  'NetBSD',
  'Solaris',
]);

// C0 and C1 control characters: binary garbage, or an attempt to smuggle line breaks into logs.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/g;

/** `Name/1.2` at the start of an app agent (`WhatsApp/2.23.20.0 A`, `curl/8.4.0`). */
const leadingProduct = /^([A-Za-z][\w.-]{0,39})\/v?(\d+)/;

const absent: AgentFeatures = Object.freeze({ status: 'absent' });

/** The major version: the first number of `14`, `10.15.7` or `17_1`; a name such as `XP` as is. */
function major(version: string | undefined): string | undefined {
  if (!version) return undefined;
  return /^\d+/.exec(version)?.[0] ?? version;
}

/** Trimmed and capped agent text, with control characters replaced; undefined when empty. */
export function normaliseAgent(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  // Cut before trimming: an attacker's megabyte string should cost no more than a real one.
  const kept = text
    .slice(0, maxAgentLength * 4)
    .trim()
    .slice(0, maxAgentLength)
    .trimEnd();
  return kept === '' ? undefined : kept.replace(controlCharacters, '\uFFFD');
}

/** What a user agent string tells, through ua-parser-js 1.x plus bot and app-agent rules. */
export function readAgent(text: string | undefined, parser: UaParser = new UAParser()): AgentFeatures {
  const agent = normaliseAgent(text);
  if (agent === undefined) return absent;
  // A string that had control characters is not a real agent; keep it as a value, parse nothing.
  if (agent.includes('\uFFFD')) return Object.freeze({ status: 'unparsed', agent });

  const result = parser.setUA(agent).getResult();
  const features: AgentFeatures = { status: 'unparsed', agent };
  const browserName = result.browser.name;
  if (browserName) {
    features.browser = result.browser.major ? `${browserName} ${result.browser.major}` : browserName;
  } else {
    // App agents (`WhatsApp/2.23.20.0 A`) and libraries (`curl/8.4.0`) lead with their product.
    const product = leadingProduct.exec(agent);
    if (product && product[1] !== 'Mozilla') features.browser = `${product[1]} ${product[2]}`;
  }
  const osName = result.os.name;
  if (osName) {
    const osMajor = major(result.os.version);
    features.os = osMajor ? `${osName} ${osMajor}` : osName;
  }
  const deviceType: DeviceType | undefined = botPattern.test(agent)
    ? 'bot'
    : result.device.type
      ? parserDeviceTypes[result.device.type]
      : osName && desktopSystems.has(osName)
        ? 'desktop'
        : undefined;
  if (deviceType) features.deviceType = deviceType;
  if (features.browser || features.os || features.deviceType) features.status = 'parsed';
  return Object.freeze(features);
}

/** `readAgent` behind a bounded cache of `capacity` strings: a parse costs about 25 µs. */
export function createAgentReader(capacity: number): (text: string | undefined) => AgentFeatures {
  const cache = createBoundedCache<AgentFeatures>(capacity);
  const parser = new UAParser();
  return (text) => {
    if (text === undefined || text.length > maxAgentLength * 4) return readAgent(text, parser);
    let features = cache.get(text);
    if (!features) {
      features = readAgent(text, parser);
      cache.set(text, features);
    }
    return features;
  };
}
