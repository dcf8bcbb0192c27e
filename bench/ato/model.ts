// The takeover model's costs: scoring one session, learning one, reading and writing a history,
// and the memory of an account's history and of the population counts. Synthetic traffic: every
// account has a home country, network, /24, a few IPs and one or two devices; a tenth of the
// scored sessions come from a random place and device, as an attacker's would.

import { newHistory, observeEvent } from '../../src/ato/history.js';
import { parseHistory, serializeHistory } from '../../src/ato/history.json.js';
import { createGlobalModel } from '../../src/ato/model.global.js';
import { scoreEvent } from '../../src/ato/model.js';
import type { AccountHistory, AuthEvent, Features } from '../../src/ato/types.js';
import { atoModelConfig } from '../../src/core/config.ato.model.js';
import { fmt } from '../support.js';

const accountsTotal = Number(process.env.ACCOUNTS ?? 20_000);
const sessionsPerAccount = 20;
const scored = Number(process.env.SCORED ?? 200_000);
const config = atoModelConfig.parse({});

let seed = 42;
const random = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;

const countries = ['DE', 'BR', 'IN', 'US', 'ID', 'NG', 'MX', 'FR', 'GB', 'IT', 'ES', 'TR', 'PK', 'EG', 'AR'];
const oses = ['Android 14', 'Android 13', 'Android 12', 'iOS 17', 'iOS 16', 'Windows 10', 'macOS 14'];
const apps = ['App 2.24', 'App 2.23', 'App 2.22', 'Chrome 120', 'Safari 17'];

interface Home {
  country: string;
  asn: number;
  subnet: number;
  os: string;
  app: string;
}

function features(
  country: string,
  asn: number,
  subnet: number,
  host: number,
  os: string,
  app: string,
  hour: number,
): Features {
  const net = `${(subnet >>> 8) & 255}.${subnet & 255}`;
  return {
    ip: {
      kind: 'public',
      version: 4,
      address: `10.${net}.${host}`,
      subnet: `10.${net}.0/24`,
      country,
      asn,
      hosting: false,
      latitude: 50,
      longitude: 8,
    },
    phone: { status: 'valid' },
    agent: {
      status: 'parsed',
      agent: `${app} (${os})`,
      browser: app,
      os,
      deviceType: os.startsWith('W') || os.startsWith('m') ? 'desktop' : 'mobile',
    },
    hour,
  };
}

const homes: Home[] = Array.from({ length: accountsTotal }, () => {
  const country = pick(countries);
  return {
    country,
    asn: 1000 + countries.indexOf(country) * 20 + Math.floor(random() * 20),
    subnet: Math.floor(random() * 65536),
    os: pick(oses),
    app: pick(apps),
  };
});

// The population's memory with a long tail, measured first, on a clean heap: TAIL distinct IPs,
// /24s and agents (ASNs, countries and the rest stay few).
const gcFirst = (globalThis as { gc?: () => void }).gc;
const tailValues = Number(process.env.TAIL ?? 1_000_000);
let globalBytes = Number.NaN;
let globalSnapshotBytes = Number.NaN;
if (gcFirst) {
  gcFirst();
  const start = process.memoryUsage();
  const big = createGlobalModel(config.global);
  for (let i = 0; i < tailValues; i++) {
    const f = features(pick(countries), 1000 + (i % 3000), i >>> 4, i & 255, pick(oses), pick(apps), i % 24);
    f.agent.agent = `App/2.${i} (${f.agent.os})`;
    big.observe(f, { newAccount: i % 20 === 0 });
  }
  gcFirst();
  const end = process.memoryUsage();
  globalBytes = end.heapUsed + end.arrayBuffers - start.heapUsed - start.arrayBuffers;
  globalSnapshotBytes = JSON.stringify(big.toSnapshot()).length;
}

const global = createGlobalModel(config.global);
const histories: AccountHistory[] = [];
const learnStart = process.hrtime.bigint();
let learnt = 0;
for (let a = 0; a < accountsTotal; a++) {
  const home = homes[a] as Home;
  const history = newHistory(`acc-${a}`, 0);
  for (let s = 0; s < sessionsPerAccount; s++) {
    const f = features(
      home.country,
      home.asn,
      home.subnet,
      Math.floor(random() * 4),
      home.os,
      home.app,
      8 + Math.floor(random() * 12),
    );
    const event: AuthEvent = {
      type: 'login',
      time: s * 3_600_000,
      account: history.account,
      device: `dev-${a}`,
      outcome: 'success',
    };
    global.observe(f, { newAccount: history.observations === 0 });
    observeEvent(history, event, f, config.history);
    learnt++;
  }
  histories.push(history);
}
const learnMs = Number(process.hrtime.bigint() - learnStart) / 1e6;

const probes: Array<{ f: Features; history: AccountHistory }> = [];
for (let i = 0; i < 10_000; i++) {
  const a = Math.floor(random() * accountsTotal);
  const home = homes[a] as Home;
  const attack = random() < 0.1;
  const f = attack
    ? features(
        pick(countries),
        5000 + Math.floor(random() * 50),
        Math.floor(random() * 65536),
        Math.floor(random() * 256),
        pick(oses),
        pick(apps),
        Math.floor(random() * 24),
      )
    : features(
        home.country,
        home.asn,
        home.subnet,
        Math.floor(random() * 6),
        home.os,
        home.app,
        8 + Math.floor(random() * 12),
      );
  probes.push({ f, history: histories[a] as AccountHistory });
}

let sink = 0;
/** Mean µs per scoreEvent over `count` calls cycling through the first `spread` probes. */
function timeScores(spread: number, count: number): number {
  for (let i = 0; i < 20_000; i++) {
    const probe = probes[i % spread] as (typeof probes)[number];
    sink += scoreEvent(probe.f, probe.history, global, config).score;
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const probe = probes[i % spread] as (typeof probes)[number];
    sink += scoreEvent(probe.f, probe.history, global, config).score;
  }
  return Number(process.hrtime.bigint() - start) / 1e3 / count;
}
const warmUs = timeScores(1, scored);
const coldUs = timeScores(probes.length, scored);

// A full history: every table at its cap (hour: all 24), every device slot, 60-char agents.
const full = newHistory('acc-full', 0);
for (let s = 0; s < 40; s++) {
  const f = features(countries[s % 15] as string, 2000 + s, s * 7, s, `OS ${s}`, `App ${s}`, s % 24);
  f.agent.agent = `App/2.${s}.0 (Linux; Android ${s}; SM-A${100 + s} Build/UP1A) Mobile`.padEnd(60, 'x');
  f.agent.deviceType = 'mobile';
  observeEvent(
    full,
    {
      type: 'login',
      time: s * 1000,
      account: 'acc-full',
      device: `device-identifier-${s}`,
      outcome: 'success',
    },
    f,
    config.history,
  );
}
const fullText = serializeHistory(full);
const serializeStart = process.hrtime.bigint();
for (let i = 0; i < 2000; i++) sink += serializeHistory(full).length;
const serializeUs = Number(process.hrtime.bigint() - serializeStart) / 1e3 / 2000;
const parseStart = process.hrtime.bigint();
for (let i = 0; i < 2000; i++) sink += parseHistory(fullText, 'acc-full', 0).history.observations;
const parseUs = Number(process.hrtime.bigint() - parseStart) / 1e3 / 2000;

const gc = gcFirst;
let heapPerHistory = Number.NaN;
if (gc) {
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = Array.from({ length: 5000 }, (_, i) => parseHistory(fullText, 'acc-full', i).history);
  gc();
  heapPerHistory = (process.memoryUsage().heapUsed - before) / kept.length;
  sink += kept.length;
}

const line = (text: string) => console.log(text);
line(
  `accounts ${fmt(accountsTotal)}, learnt sessions ${fmt(learnt)} (${fmt((learnMs * 1000) / learnt, 2)} µs each: global + history)`,
);
line(`score, one account again and again: ${fmt(warmUs, 2)} µs (${fmt(1e6 / warmUs)} per second)`);
line(`score, ${fmt(probes.length)} accounts in turn: ${fmt(coldUs, 2)} µs (${fmt(1e6 / coldUs)} per second)`);
line(
  `full history: ${fmt(fullText.length)} bytes of JSON; ${fmt(heapPerHistory)} bytes of heap (needs --expose-gc)`,
);
line(`history JSON: write ${fmt(serializeUs, 2)} µs, read and validate ${fmt(parseUs, 2)} µs`);
line(
  `population with ${fmt(tailValues)} distinct IPs, /24s and agents: ${fmt(globalBytes / 2 ** 20, 1)} MiB in memory, snapshot ${fmt(globalSnapshotBytes / 2 ** 20, 1)} MiB (needs --expose-gc)`,
);
if (sink === 0) line('');
