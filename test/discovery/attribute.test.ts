import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Io } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';
import { attribute, numberOfLine, scanDump } from '../../src/discovery/attribute.js';
import { createRandom } from '../../src/sim/ato/random.js';
import { createTestCustos, type TestCustos } from '../support/app.js';
import { book, run } from '../support/numbers.js';

describe('reading a leaked dump', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'custos-dump-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the number of a line in the forms dumps use, and nothing in lines without one', () => {
    expect(numberOfLine('+447700900123')).toBe('+447700900123');
    expect(numberOfLine('447700900123')).toBe('+447700900123');
    expect(numberOfLine('00447700900123')).toBe('+447700900123');
    expect(numberOfLine('"Jane Doe","+44 7700 900123",London')).toBe('+447700900123');
    expect(numberOfLine('id;phone;name\t')).toBeUndefined();
    expect(numberOfLine('12345')).toBeUndefined();
    expect(numberOfLine('+99912345678')).toBeUndefined();
    expect(numberOfLine('')).toBeUndefined();
  });

  it('counts lines, numbers, rejects, calling codes and canaries of a file', async () => {
    const file = join(dir, 'dump.csv');
    const lines = [
      'phone,name',
      '447700900001,a',
      '447700900002,b',
      '12015550123,c',
      'garbage',
      '',
      '4915112345678,d',
      '447700900001,a again',
      '447700800555,honey',
    ];
    writeFileSync(file, `${lines.join('\n')}\n`);
    const canaries = {
      kind: (n: string) =>
        n.startsWith('+447700900')
          ? ('canary' as const)
          : n.startsWith('+447700800')
            ? ('honey' as const)
            : undefined,
    };
    const scan = await scanDump(file, canaries);
    expect(scan).toMatchObject({
      lines: 9,
      parsed: 6,
      rejected: 2,
      byCallingCode: { '44': 4, '1': 1, '49': 1 },
      canaries: ['+447700900001', '+447700900002'],
      honey: 1,
    });
    expect(scan.sample.size).toBe(6);
    // +44 7700 900 is Ofcom's range for drama, assigned to no operator: libphonenumber names no
    // country for it (and Jersey for +44 7700 8).
    expect(scan.sample.byCountry).toEqual({ unknown: 3, JE: 1, US: 1, DE: 1 });
  });
  /** What a scan must find: readline's lines, each read by numberOfLine. */
  async function reference(file: string, kind: (n: string) => string | undefined) {
    let lines = 0;
    let parsed = 0;
    let rejected = 0;
    let honey = 0;
    const canaries = new Set<string>();
    const input = createReadStream(file);
    for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      lines++;
      const number = numberOfLine(line);
      if (number === undefined) {
        if (line.trim() !== '') rejected++;
        continue;
      }
      parsed++;
      if (kind(number) === 'canary') canaries.add(number);
      if (kind(number) === 'honey') honey++;
    }
    return { lines, parsed, rejected, honey, canaries: [...canaries].sort() };
  }

  it('reads every line as readline and numberOfLine would, across block boundaries and line ends', async () => {
    const random = createRandom('dump-lines');
    const digits = (n: number) => Array.from({ length: n }, () => random.int(0, 10)).join('');
    const forms = [
      () => `+44770090${digits(4)}`,
      () => `447700800${digits(3)}`,
      () => `0049151${digits(8)}`,
      () => `"Jane ${digits(2)}","+1 (201) 555-${digits(4)}",London`,
      () => `${digits(3)};+33 6 ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}|x`,
      () => `id\t+91-98${digits(8)}\t`,
      () => `Zoë,+4915112${digits(6)}`,
      () => `\uFEFF+4477009${digits(5)}`,
      () => `  "+44 7700 900${digits(3)}"  `,
      () => 'garbage',
      () => '',
      () => '   ',
      () => `+${digits(17)}`,
      () => `00+44${digits(9)}`,
      () => `+0${digits(10)}`,
      () => `x,${'y'.repeat(random.int(1000, 5000))},+4477009${digits(5)}`,
    ];
    const ends = ['\n', '\r\n', '\r'];
    let text = '';
    while (text.length < 3.5 * 2 ** 20) text += `${random.pick(forms)()}${random.pick(ends)}`;
    text += '+447700900999'; // no line end at the end of the file
    const file = join(dir, 'dump.txt');
    writeFileSync(file, text);
    const kind = (n: string) =>
      n.startsWith('+447700900')
        ? ('canary' as const)
        : n.startsWith('+447700800')
          ? ('honey' as const)
          : undefined;
    const scan = await scanDump(file, { kind });
    const expected = await reference(file, kind);
    expect(expected.parsed).toBeGreaterThan(10_000);
    expect(expected.rejected).toBeGreaterThan(1_000);
    expect({
      lines: scan.lines,
      parsed: scan.parsed,
      rejected: scan.rejected,
      honey: scan.honey,
      canaries: scan.canaries,
    }).toEqual(expected);
  });

  it('counts a line longer than a block as one rejected line and reads on', async () => {
    const file = join(dir, 'long.txt');
    writeFileSync(file, `+447700900001\n${'9'.repeat(3 * 2 ** 20)}\r\n+12015550123\n`);
    const scan = await scanDump(file, { kind: () => undefined });
    expect(scan).toMatchObject({ lines: 3, parsed: 2, rejected: 1, byCallingCode: { '44': 1, '1': 1 } });
  });
});

describe('attributing canaries', () => {
  const exposures = [
    { number: '+447700900001', account: 'bot-1', cohort: 'a:bot-1', period: 2900, at: 1000 },
    { number: '+447700900002', account: 'bot-1', cohort: 'a:bot-1', period: 2900, at: 5000 },
    { number: '+447700900003', account: 'bot-1', cohort: 'a:bot-1', period: 2900, at: 3000 },
    { number: '+447700900003', account: 'bot-2', cohort: 'a:bot-2', period: 2901, at: 9000 },
  ];

  it('names the accounts that were shown the dump’s canaries, with their windows and the chance of coincidence', () => {
    const found = attribute(['+447700900001', '+447700900002', '+447700900003', '+447700900009'], exposures, {
      density: 0.1,
      rotation: 1000,
    });
    expect(found).toMatchObject({ canaries: 4, explained: 3, unexplained: ['+447700900009'] });
    expect(found.suspects).toHaveLength(2);
    const [first, second] = found.suspects;
    expect(first).toMatchObject({ account: 'bot-1', canaries: 3, coverage: 0.75, from: 1000, to: 5000 });
    expect(first?.chance).toBeCloseTo(0.001, 12);
    expect(second).toMatchObject({ account: 'bot-2', canaries: 1, chance: 0.1 });
    expect(found.cohorts[0]).toEqual({
      cohort: 'a:bot-1',
      period: 2900,
      from: 2_900_000,
      to: 2_901_000,
      canaries: 3,
    });
  });
});

describe('custos discovery attribute', () => {
  let t: TestCustos;
  let dir: string;
  const saved = { ...process.env };
  const settings = {
    'discovery.canaries.prefixes': ['+447700900'],
    'discovery.canaries.cohort': 'account',
    'discovery.detection.thresholds.throttle': 1000,
    'discovery.detection.thresholds.block': 1000,
  };
  beforeEach(async () => {
    for (const name of Object.keys(process.env)) if (name.startsWith('CUSTOS_')) delete process.env[name];
    dir = mkdtempSync(join(tmpdir(), 'custos-attribute-'));
    t = await createTestCustos('sqlite', { dataDir: dir, ...settings });
  });
  afterEach(async () => {
    process.env = { ...saved };
    await t.dispose();
  });

  it('traces a dump built from what a scraper learnt back to that scraper, every time', async () => {
    const check = (account: string, numbers: string[]) =>
      t.custos.discoveryCheck.check(
        { account, device: account, ip: '203.0.113.9', numbers, mode: 'full' },
        'test',
      );
    // Two scrapers sweep the canary range; a person's book touches none of it.
    const learnt = new Map<string, string[]>();
    for (const account of ['scraper-1', 'scraper-2']) {
      const numbers = [...run(0, 400, '+447700900'), ...book(0, 50)];
      const answer = await check(account, numbers);
      learnt.set(
        account,
        answer.canaries.map((i) => numbers[i] as string),
      );
    }
    await check('person', book(100, 200));
    // The dump: what scraper-2 was told was registered, among numbers from elsewhere, in the
    // form dumps come in.
    const dump = join(dir, 'dump.txt');
    const lines = [...(learnt.get('scraper-2') as string[]), ...book(300, 500, '+447911')].map((n) =>
      n.slice(1),
    );
    writeFileSync(dump, `msisdn\n${lines.join('\n')}\n`);
    const config = join(dir, 'custos.yaml');
    writeFileSync(
      config,
      [
        `dataDir: ${dir}`,
        'discovery:',
        '  canaries:',
        "    prefixes: ['+447700900']",
        '    cohort: account',
      ].join('\n'),
    );
    const out: string[] = [];
    const io: Io = { out: (text) => out.push(text), err: () => undefined, readStdin: async () => '' };
    await buildProgram(io)
      .exitOverride()
      .parseAsync(['node', 'custos', '--config', config, '--json', 'discovery', 'attribute', '--dump', dump]);
    const report = JSON.parse(out.join('\n'));
    const expected = (learnt.get('scraper-2') as string[]).length;
    expect(expected).toBeGreaterThan(10);
    expect(report.scan).toMatchObject({
      lines: lines.length + 1,
      parsed: lines.length,
      rejected: 1,
      canaries: expected,
    });
    expect(report.attribution.explained).toBe(expected);
    expect(report.attribution.suspects[0]).toMatchObject({
      account: 'scraper-2',
      canaries: expected,
      coverage: 1,
    });
    // The other scraper shares only the canaries both were shown by chance.
    const second = report.attribution.suspects[1];
    if (second) expect(second.canaries).toBeLessThan(expected);

    const markdown: string[] = [];
    const mdIo: Io = { out: (text) => markdown.push(text), err: () => undefined, readStdin: async () => '' };
    await buildProgram(mdIo)
      .exitOverride()
      .parseAsync(['node', 'custos', '--config', config, 'discovery', 'attribute', '--dump', dump]);
    expect(markdown.join('\n')).toMatch(/\| scraper-2 \| \d+ \| 100\.0 % \|/);

    // With --save the report goes on the ledger, where the console lists it. The test's Custos
    // lets go of the store first, so the command is its only writer.
    await t.custos.close();
    const savedOut: string[] = [];
    const savedIo: Io = {
      out: (text) => savedOut.push(text),
      err: () => undefined,
      readStdin: async () => '',
    };
    await buildProgram(savedIo)
      .exitOverride()
      .parseAsync([
        'node',
        'custos',
        '--config',
        config,
        '--json',
        'discovery',
        'attribute',
        '--dump',
        dump,
        '--save',
        '--name',
        'leak-1',
      ]);
    const saved = JSON.parse(savedOut.join('\n'));
    expect(saved).toMatchObject({
      id: expect.stringMatching(/^dat_/),
      by: 'cli',
      name: 'leak-1',
      attribution: { explained: expected },
    });
    expect(saved.attribution.suspects[0]).toMatchObject({ account: 'scraper-2', canaries: expected });
    t = await createTestCustos('sqlite', { dataDir: dir, ...settings });
    const listed = await t.custos.discoveryAttribution.list({ limit: 10 });
    expect(listed.rows).toMatchObject([{ id: saved.id, name: 'leak-1', topAccount: 'scraper-2' }]);
    expect(await t.custos.discoveryAttribution.get(saved.id)).toMatchObject({ id: saved.id, by: 'cli' });
  });
});
