import { describe, expect, it } from 'vitest';
import { createHostingClassifier } from '../../src/ato/enrich.hosting.js';

const isHosting = createHostingClassifier();

describe('hosting heuristic', () => {
  it('flags the big cloud and server providers by ASN', () => {
    expect(isHosting(16509, 'Amazon.com, Inc.')).toBe(true);
    expect(isHosting(14061, 'DigitalOcean, LLC')).toBe(true);
    expect(isHosting(24940, 'Hetzner Online GmbH')).toBe(true);
    expect(isHosting(16276, 'OVH SAS')).toBe(true);
    expect(isHosting(16509, undefined)).toBe(true);
  });

  it('does not flag big access networks', () => {
    expect(isHosting(7922, 'Comcast Cable Communications, LLC')).toBe(false);
    expect(isHosting(3320, 'Deutsche Telekom AG')).toBe(false);
    expect(isHosting(55836, 'Reliance Jio Infocomm Limited')).toBe(false);
    expect(isHosting(9808, 'China Mobile Communications Group Co., Ltd.')).toBe(false);
    expect(isHosting(22773, 'Cox Communications Inc.')).toBe(false);
    expect(isHosting(undefined, undefined)).toBe(false);
  });

  it('flags unlisted networks whose names say hosting, cloud, data centre, server, VPS or VPN', () => {
    for (const name of [
      'Rackspace Hosting',
      'Yandex.Cloud LLC',
      'NTT Global Data Centers EMEA GmbH',
      'Micron21 Datacentre Pty Ltd',
      'UK Dedicated Servers Limited',
      'DREAM VPS LTD',
      'Bullet Proof VPN Ltd',
      'Colocation America Corporation',
    ])
      expect(isHosting(4_200_000_001, name), name).toBe(true);
  });

  it('matches whole words only', () => {
    expect(isHosting(4_200_000_001, 'Ghostnet Telecom')).toBe(false);
    expect(isHosting(4_200_000_001, 'Cloudwave Telecom')).toBe(false);
    expect(isHosting(4_200_000_001, 'Observer Media')).toBe(false);
  });

  it('keeps the known false positives of the keywords out', () => {
    expect(isHosting(41012, 'The Cloud Networks Limited')).toBe(false);
    expect(isHosting(135756, 'VPS Broadband And Telecommunications Pvt Ltd')).toBe(false);
  });

  it('takes extra hosting ASNs and exceptions from config, exceptions first', () => {
    const configured = createHostingClassifier({
      extraHostingAsns: [64500, 64501],
      notHostingAsns: [64501, 16509],
    });
    expect(configured(64500, 'Example Broadband')).toBe(true);
    expect(configured(64501, 'Example Broadband')).toBe(false);
    expect(configured(16509, 'Amazon.com, Inc.')).toBe(false);
    expect(configured(64502, 'Example Hosting')).toBe(true);
  });
});
