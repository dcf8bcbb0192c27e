import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../src/ato/enrich.js';
import type { AuthEvent } from '../../src/ato/types.js';
import { atoEnrichConfig } from '../../src/core/config.ato.enrich.js';

const enricher = createEnricher();

// 2026-03-01T13:45:00Z
const time = Date.UTC(2026, 2, 1, 13, 45);
const firefoxWindows = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0';

const login: AuthEvent = {
  type: 'login',
  time,
  account: 'u1',
  phone: '+447400123456',
  ip: '8.8.8.8',
  userAgent: firefoxWindows,
};

describe('enrich', () => {
  it('derives IP, phone, agent and UTC hour features of an event', () => {
    const features = enricher.enrich(login);
    expect(features.hour).toBe(13);
    expect(features.ip).toMatchObject({ kind: 'public', country: 'US', asn: 15169 });
    expect(features.phone).toMatchObject({
      status: 'valid',
      country: 'GB',
      type: 'mobile',
      prefix: '+44740',
    });
    expect(features.agent).toMatchObject({ browser: 'Firefox 121', os: 'Windows 10', deviceType: 'desktop' });
  });

  it('answers absent features for an event that carries nothing', () => {
    expect(enricher.enrich({ type: 'otp_request', time: 0 })).toEqual({
      ip: { kind: 'absent', hosting: false },
      phone: { status: 'absent' },
      agent: { status: 'absent' },
      hour: 0,
    });
  });

  it('takes the hour in UTC at the boundaries of the day, also before 1970', () => {
    expect(enricher.enrich({ type: 'login', time: Date.UTC(2026, 0, 1, 23, 59, 59, 999) }).hour).toBe(23);
    expect(enricher.enrich({ type: 'login', time: Date.UTC(2026, 0, 2) }).hour).toBe(0);
    expect(enricher.enrich({ type: 'login', time: Date.UTC(1969, 11, 31, 22, 30) }).hour).toBe(22);
  });

  it('lets known facts override looked-up fields one by one', () => {
    const features = enricher.enrich(login, { ip: { city: 'Sunnyvale' }, agent: { os: 'Windows 11' } });
    expect(features.ip).toMatchObject({ country: 'US', asn: 15169, city: 'Sunnyvale', hosting: true });
    expect(features.agent).toMatchObject({ browser: 'Firefox 121', os: 'Windows 11', deviceType: 'desktop' });
  });

  it('drops looked-up details that a given country or network contradicts, and follows the given network for hosting', () => {
    const features = enricher.enrich(login, { ip: { country: 'DE', asn: 3320 } });
    expect(features.ip).toEqual({
      kind: 'public',
      version: 4,
      address: '8.8.8.8',
      subnet: '8.8.8.0/24',
      country: 'DE',
      asn: 3320,
      hosting: false,
    });
    const named = enricher.enrich(login, { ip: { asn: 64500, asOrganization: 'Example Hosting Ltd' } });
    expect(named.ip).toMatchObject({ asn: 64500, asOrganization: 'Example Hosting Ltd', hosting: true });
    const forced = enricher.enrich(login, { ip: { asn: 16509, hosting: false } });
    expect(forced.ip.hosting).toBe(false);
  });

  it('keeps looked-up details when the facts agree with them, and ignores undefined facts', () => {
    const features = enricher.enrich(login, { ip: { country: 'US', region: undefined } });
    expect(features.ip).toEqual(enricher.ip('8.8.8.8'));
  });

  it('gives a replayed log’s facts to an event without an address', () => {
    const features = enricher.enrich(
      { type: 'login', time },
      { ip: { country: 'IN', asn: 55836, asOrganization: 'Reliance Jio Infocomm Limited' } },
    );
    expect(features.ip).toEqual({
      kind: 'absent',
      country: 'IN',
      asn: 55836,
      asOrganization: 'Reliance Jio Infocomm Limited',
      hosting: false,
    });
  });

  it('marks an agent parsed when the facts name its browser, OS or device', () => {
    const features = enricher.enrich({ type: 'login', time }, { agent: { deviceType: 'mobile' } });
    expect(features.agent).toEqual({ status: 'parsed', deviceType: 'mobile' });
  });

  it('leaves the cached lookups untouched by facts', () => {
    enricher.enrich(login, { ip: { country: 'FR' }, agent: { browser: 'Other 1' } });
    expect(enricher.ip('8.8.8.8').country).toBe('US');
    expect(enricher.agent(firefoxWindows).browser).toBe('Firefox 121');
  });

  it('takes extra and excluded hosting networks from config', () => {
    const configured = createEnricher({
      config: atoEnrichConfig.parse({ hosting: { notHostingAsns: [15169], extraAsns: ['64500'] } }),
    });
    expect(configured.ip('8.8.8.8').hosting).toBe(false);
    expect(configured.enrich(login, { ip: { asn: 64500 } }).ip.hosting).toBe(true);
  });
});

describe('ato.enrich config', () => {
  it('has defaults for everything', () => {
    expect(atoEnrichConfig.parse({})).toEqual({
      data: {},
      hosting: { extraAsns: [], notHostingAsns: [] },
      cache: { ip: 50_000, phone: 50_000, agent: 10_000 },
    });
  });

  it('rejects unknown keys, bad ASNs and negative cache sizes', () => {
    expect(atoEnrichConfig.safeParse({ hosting: { extraAsns: [0] } }).success).toBe(false);
    expect(atoEnrichConfig.safeParse({ hosting: { extraAsns: ['AS15169'] } }).success).toBe(false);
    expect(atoEnrichConfig.safeParse({ cache: { ip: -1 } }).success).toBe(false);
    expect(atoEnrichConfig.safeParse({ data: { cityIpv4: '' } }).success).toBe(false);
    expect(atoEnrichConfig.safeParse({ colour: 'blue' }).success).toBe(false);
  });
});
