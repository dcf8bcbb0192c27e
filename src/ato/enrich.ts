import { type AtoEnrichConfig, atoEnrichConfig } from '../core/config.ato.enrich.js';
import { createPhoneReader } from '../core/phone.js';
import { createAgentReader } from './enrich.agent.js';
import { createIpLookup } from './enrich.ip.js';
import type { AgentFeatures, AuthEvent, Features, IpFeatures, KnownFacts, PhoneFeatures } from './types.js';

export interface EnricherOptions {
  /** The parsed `ato.enrich` section; its defaults when absent. */
  config?: AtoEnrichConfig;
}

/**
 * Offline enrichment of auth events: every lookup is in memory, synchronous and cached, so it
 * can sit on the login hot path. Feature objects that come from a cache are frozen and shared:
 * callers must copy rather than change them.
 */
export interface Enricher {
  /** The features of one event; `facts` the caller already holds override lookups field by field. */
  enrich(event: AuthEvent, facts?: KnownFacts): Features;
  ip(address: string | undefined): IpFeatures;
  phone(number: string | undefined): PhoneFeatures;
  agent(userAgent: string | undefined): AgentFeatures;
  /** First and last address of each IPv4 range of `asn` (for the simulator, which needs real addresses). */
  asnRanges(asn: number): Array<[string, string]>;
  /** Loads the IP data now (about a second) instead of on the first public address. */
  preload(): void;
}

const ipKeys = [
  'kind',
  'version',
  'address',
  'subnet',
  'country',
  'region',
  'city',
  'latitude',
  'longitude',
  'asn',
  'asOrganization',
  'hosting',
] as const satisfies ReadonlyArray<keyof IpFeatures>;

const agentKeys = ['status', 'agent', 'browser', 'os', 'deviceType'] as const satisfies ReadonlyArray<
  keyof AgentFeatures
>;

const dayMs = 86_400_000;
const hourMs = 3_600_000;

/** Copies the defined fields of `facts` named in `keys` over `target`. */
function overlay<T extends object>(target: T, facts: Partial<T>, keys: ReadonlyArray<keyof T>): void {
  for (const key of keys) {
    const value = facts[key];
    if (value !== undefined) target[key] = value as T[keyof T];
  }
}

/** Builds the enricher; the IP data is loaded once per process, on first use or `preload()`. */
export function createEnricher(options: EnricherOptions = {}): Enricher {
  const config = options.config ?? atoEnrichConfig.parse({});
  const ips = createIpLookup({
    files: config.data,
    cacheSize: config.cache.ip,
    extraHostingAsns: config.hosting.extraAsns,
    notHostingAsns: config.hosting.notHostingAsns,
  });
  const phone = createPhoneReader(config.cache.phone);
  const agent = createAgentReader(config.cache.agent);

  /**
   * A replayed log's own ASN or country wins over the lookup; details of the looked-up network or
   * place that the facts contradict are dropped rather than mixed in (a US city under a German
   * country fact would place the account twice), and hosting follows the given network.
   */
  function ipWithFacts(looked: IpFeatures, facts: Partial<IpFeatures>): IpFeatures {
    const merged: IpFeatures = { ...looked };
    if (facts.asn !== undefined && facts.asn !== looked.asn) delete merged.asOrganization;
    if (facts.country !== undefined && facts.country !== looked.country) {
      delete merged.region;
      delete merged.city;
      delete merged.latitude;
      delete merged.longitude;
    }
    overlay(merged, facts, ipKeys);
    if (facts.hosting === undefined && (facts.asn !== undefined || facts.asOrganization !== undefined))
      merged.hosting = ips.isHosting(merged.asn, merged.asOrganization);
    return merged;
  }

  function agentWithFacts(looked: AgentFeatures, facts: Partial<AgentFeatures>): AgentFeatures {
    const merged: AgentFeatures = { ...looked };
    overlay(merged, facts, agentKeys);
    if (facts.status === undefined && (facts.browser || facts.os || facts.deviceType))
      merged.status = 'parsed';
    return merged;
  }

  return {
    enrich(event, facts) {
      const ip = ips.lookup(event.ip);
      const userAgent = agent(event.userAgent);
      return {
        ip: facts?.ip ? ipWithFacts(ip, facts.ip) : ip,
        phone: phone(event.phone),
        agent: facts?.agent ? agentWithFacts(userAgent, facts.agent) : userAgent,
        hour: Math.floor((((event.time % dayMs) + dayMs) % dayMs) / hourMs),
      };
    },
    ip: ips.lookup,
    phone,
    agent,
    asnRanges: ips.asnRanges,
    preload: ips.preload,
  };
}
