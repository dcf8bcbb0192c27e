import { clientEvents, type Findings, type Rule, type RuleContext } from './rules.context.js';
import { type ReasonKey, reason } from './rules.reasons.js';
import type { IpKind } from './types.js';

const ipReasons: Partial<Record<IpKind, [ReasonKey, string]>> = {
  private: ['ipPrivate', 'The event came from a private address, which no client on the internet has.'],
  reserved: ['ipReserved', 'The event came from a reserved address.'],
  invalid: ['ipInvalid', 'The event’s address does not parse.'],
  absent: ['ipAbsent', 'The event carries no address.'],
};

function networkSignals(ctx: RuleContext, findings: Findings): void {
  const { config, features } = ctx;
  const ip = features?.ip;
  const kind = ip?.kind ?? 'absent';
  // A kind enrichment never gives (garbage in the features) is taken as an invalid address.
  const ipReason = kind === 'public' ? undefined : (ipReasons[kind] ?? ipReasons.invalid);
  if (ipReason) findings.reasons.push(reason(config, ipReason[0], ipReason[1]));
  if (ip?.hosting === true) {
    findings.reasons.push(
      reason(config, 'ipHosting', 'The address belongs to a hosting, cloud or VPN network.'),
    );
  }
  const agent = features?.agent;
  if (!agent || agent.status === 'absent') {
    findings.reasons.push(reason(config, 'agentAbsent', 'The event carries no user agent.'));
  } else if (agent.status === 'unparsed') {
    findings.reasons.push(
      reason(config, 'agentUnparsed', 'The user agent names no known app, browser or system.'),
    );
  }
  if (agent?.deviceType === 'bot') {
    findings.reasons.push(reason(config, 'agentBot', 'The user agent is a bot’s or a script’s.'));
  }
  const phoneCountry = features?.phone?.country;
  if (typeof phoneCountry === 'string' && typeof ip?.country === 'string' && phoneCountry !== ip.country) {
    findings.reasons.push(
      reason(
        config,
        'countryMismatch',
        `The number is from ${phoneCountry}, the address from ${ip.country}.`,
      ),
    );
  }
}

/** Countries the account has been seen in: its country table, its devices and its last place. */
function knownCountries(ctx: RuleContext): Set<string> {
  const history = ctx.history;
  const countries = new Set<string>(Object.keys(history?.tables?.country ?? {}));
  for (const device of Array.isArray(history?.devices) ? history.devices : []) {
    if (typeof device?.country === 'string') countries.add(device.country);
  }
  if (typeof history?.lastLocation?.country === 'string') countries.add(history.lastLocation.country);
  return countries;
}

function newDeviceNewCountry(ctx: RuleContext, findings: Findings): void {
  const country = ctx.features?.ip?.country;
  if (ctx.knownDevice || !ctx.history || typeof country !== 'string') return;
  const known = knownCountries(ctx);
  if (known.size === 0 || known.has(country)) return;
  findings.reasons.push(
    reason(
      ctx.config,
      'newDeviceNewCountry',
      `A device new to the account, in a country it was never seen in (${country}).`,
    ),
  );
}

// Where a fresh SIM swap or port-out is the takeover itself: the code goes to the new SIM.
const carrierSensitive = new Set(['registration_start', 'otp_request', 'otp_verify']);

/** The latest of the event's and the history's times for a carrier signal, if any is sane. */
function latest(...times: unknown[]): number | undefined {
  const sane = times.filter((t): t is number => typeof t === 'number' && Number.isSafeInteger(t) && t >= 0);
  return sane.length > 0 ? Math.max(...sane) : undefined;
}

function carrierSignals(ctx: RuleContext, findings: Findings): void {
  const { event, history, config, time } = ctx;
  const strong = carrierSensitive.has(event.type);
  const signals: [number | undefined, ReasonKey, string][] = [
    [
      latest(event.carrier?.simSwapAt, history?.simSwapAt),
      strong ? 'simSwap' : 'simSwapOther',
      'SIM was swapped',
    ],
    [
      latest(event.carrier?.portOutAt, history?.portOutAt),
      strong ? 'portOut' : 'portOutOther',
      'number was ported out',
    ],
  ];
  for (const [at, key, what] of signals) {
    // A swap after the event (a late event) did not precede it.
    if (at === undefined || at > time || time - at > config.carrier.recentWindow) continue;
    const days = (time - at) / 86_400_000;
    findings.reasons.push(
      reason(config, key, `The number's ${what} ${days.toFixed(1)} days before this event.`),
    );
  }
}

/**
 * What one event says by itself about its network, user agent and carrier, and whether a device
 * new to the account turns up in a country new to it. Only client events: a carrier notice or a
 * revocation comes from the platform, not from whoever holds the account.
 */
export const signalsRule: Rule = (ctx) => {
  if (!clientEvents.has(ctx.event.type)) return undefined;
  return (findings) => {
    networkSignals(ctx, findings);
    newDeviceNewCountry(ctx, findings);
    carrierSignals(ctx, findings);
  };
};
