import { describe, expect, it } from 'vitest';
import { createAgentReader, maxAgentLength, readAgent } from '../../src/ato/enrich.agent.js';

const chromeAndroid =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36';
const safariIphone =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const safariIpad =
  'Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1';
const firefoxWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';
const edgeMac =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91';
const chromeLinux =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';

describe('user agents', () => {
  it('reads Chrome on Android as a mobile', () => {
    expect(readAgent(chromeAndroid)).toEqual({
      status: 'parsed',
      agent: chromeAndroid,
      browser: 'Chrome 120',
      os: 'Android 14',
      deviceType: 'mobile',
    });
  });

  it('reads Safari on an iPhone as a mobile and on an iPad as a tablet', () => {
    expect(readAgent(safariIphone)).toMatchObject({
      status: 'parsed',
      browser: 'Mobile Safari 17',
      os: 'iOS 17',
      deviceType: 'mobile',
    });
    expect(readAgent(safariIpad)).toMatchObject({ os: 'iOS 17', deviceType: 'tablet' });
  });

  it('reads desktop browsers as desktops, which ua-parser 1.x leaves without a device type', () => {
    expect(readAgent(firefoxWindows)).toMatchObject({
      browser: 'Firefox 121',
      os: 'Windows 10',
      deviceType: 'desktop',
    });
    expect(readAgent(edgeMac)).toMatchObject({ browser: 'Edge 120', os: 'Mac OS 10', deviceType: 'desktop' });
    expect(readAgent(chromeLinux)).toMatchObject({
      browser: 'Chrome 120',
      os: 'Linux',
      deviceType: 'desktop',
    });
  });

  it('names app agents by their leading product', () => {
    expect(readAgent('WhatsApp/2.23.20.0 A')).toEqual({
      status: 'parsed',
      agent: 'WhatsApp/2.23.20.0 A',
      browser: 'WhatsApp 2',
    });
    expect(readAgent('Telegram/10.2.5 (Android 13; SM-G991B)')).toMatchObject({
      browser: 'Telegram 10',
      os: 'Android 13',
      deviceType: 'mobile',
    });
  });

  it('finds crawlers, HTTP libraries and headless browsers to be bots', () => {
    for (const agent of [
      'curl/8.4.0',
      'python-requests/2.31.0',
      'okhttp/4.12.0',
      'Go-http-client/1.1',
      'Wget/1.21.4',
      'Java/17.0.2',
      'axios/1.6.2',
      'Apache-HttpClient/4.5.14 (Java/17.0.2)',
      'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36',
    ])
      expect(readAgent(agent), agent).toMatchObject({ status: 'parsed', deviceType: 'bot' });
    expect(readAgent('curl/8.4.0').browser).toBe('curl 8');
  });

  it('does not take a Cubot phone for a bot', () => {
    expect(
      readAgent(
        'Mozilla/5.0 (Linux; Android 12; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36',
      ),
    ).toMatchObject({ browser: 'Chrome 120', os: 'Android 12', deviceType: 'mobile' });
  });

  it('reads Android’s default Dalvik agent as the device it names', () => {
    expect(readAgent('Dalvik/2.1.0 (Linux; U; Android 13; SM-A536B Build/TP1A.220624.014)')).toMatchObject({
      status: 'parsed',
      browser: 'Dalvik 2',
      os: 'Android 13',
      deviceType: 'mobile',
    });
  });

  it('answers absent for nothing and for blank text', () => {
    for (const agent of [undefined, '', '   ', '\t\n'])
      expect(readAgent(agent), JSON.stringify(agent)).toEqual({ status: 'absent' });
  });

  it('keeps binary garbage as an unparsed value with control characters replaced', () => {
    expect(readAgent('\u0000\u0001\u00ff\u0007x')).toEqual({
      status: 'unparsed',
      agent: '\uFFFD\uFFFD\u00ff\uFFFDx',
    });
    const smuggled = readAgent('Mozilla/5.0\r\nX-Admin: 1');
    expect(smuggled.status).toBe('unparsed');
    expect(smuggled.agent).toBe('Mozilla/5.0\uFFFD\uFFFDX-Admin: 1');
  });

  it('answers unparsed for text that names nothing', () => {
    expect(readAgent('hello world')).toEqual({ status: 'unparsed', agent: 'hello world' });
  });

  it('trims and caps the agent at 512 characters, however long the input', () => {
    expect(readAgent(`  ${chromeAndroid}  `).agent).toBe(chromeAndroid);
    const long = readAgent(`Mozilla/5.0 ${'x'.repeat(1_000_000)}`);
    expect(long.agent).toHaveLength(maxAgentLength);
    expect(long.agent?.startsWith('Mozilla/5.0 xxx')).toBe(true);
  });

  it('answers the same frozen object for a repeated agent through the cache', () => {
    const read = createAgentReader(10);
    const first = read(chromeAndroid);
    expect(read(chromeAndroid)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(read(firefoxWindows)).toEqual(readAgent(firefoxWindows));
  });
});
