import type { Random } from '../ato/random.js';

/**
 * The numbering world of the discovery simulation: five countries, each with mobile blocks of a
 * million numbers (the unit operators are allocated, and the unit a sweep walks). Whether a number
 * is registered on the platform is a keyed hash of the number against its block's penetration, so
 * it is a pure function and no table of hundreds of millions of numbers is ever built. Every block
 * also holds ranges of a hundred numbers that the operator owns and never assigns: the canary
 * ranges, scattered so that a scraper walking any part of a block soon meets one. Nobody real has those numbers, so no real address book holds them.
 */

export type CountryCode = 'GB' | 'DE' | 'US' | 'IN' | 'BR';

export interface Block {
  /** E.164 digits before the last six (e.g. `447700`): the block is key·10⁶ … key·10⁶ + 999,999. */
  key: number;
  country: CountryCode;
  region: number;
  /** Share of the block's numbers registered on the platform (0.2 to 0.4). */
  penetration: number;
  /** Which hundreds of the block are canary ranges (0 … 9,999). */
  canaryHundreds: Set<number>;
}

export interface Country {
  code: CountryCode;
  callingCode: string;
  /** Share of the platform's users who live here. */
  weight: number;
  /** Blocks by region: people's contacts cluster in their own region. */
  regions: Block[][];
}

/**
 * Canary ranges per block: twenty hundreds of a million, 0.2 %, twice the fleets' canary ratio.
 * Scattered hundreds rather than two thousands: a scraper's window of a few thousand numbers meets
 * one about one time in twenty.
 */
const canaryRangesPerBlock = 20;
const blockSize = 1_000_000;

/** 32-bit mix (MurmurHash3's finaliser). */
function mix(h: number): number {
  let x = h >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A keyed hash of an integer up to 2⁵³ into [0, 1). */
function unit(seed: number, value: number): number {
  const low = value >>> 0;
  const high = Math.floor(value / 4294967296) >>> 0;
  return mix(mix(low ^ seed) ^ Math.imul(high + 0x9e3779b9, 0x27d4eb2d) ^ seed) / 4294967296;
}

/**
 * National prefixes per region, before the six digits of a block. Real mobile ranges: UK 07xxx,
 * German 015x/016x/017x, US area codes with their first exchange digit, Indian 9x/8x/7x series,
 * Brazilian area codes with the mobile 9.
 */
const plans: Record<CountryCode, { callingCode: string; weight: number; regions: string[][] }> = {
  GB: {
    callingCode: '44',
    weight: 0.25,
    regions: [
      ['7400', '7411', '7432', '7447', '7450', '7469', '7470', '7481'],
      ['7500', '7512', '7525', '7534', '7549', '7557', '7568', '7578'],
      ['7700', '7712', '7723', '7738', '7740', '7751', '7766', '7775'],
      ['7800', '7810', '7824', '7833', '7846', '7852', '7861', '7879'],
      ['7900', '7912', '7920', '7932', '7946', '7956', '7960', '7984'],
    ],
  },
  DE: {
    callingCode: '49',
    weight: 0.2,
    regions: [
      ['15112', '15117', '15121', '15155', '15203', '15228', '15734', '15901'],
      ['16011', '16030', '16092', '16210', '16233', '16301', '16312', '16380'],
      ['17012', '17044', '17120', '17152', '17233', '17311', '17344', '17420'],
      ['17512', '17531', '17613', '17640', '17702', '17755', '17822', '17901'],
      ['15140', '15166', '15251', '15777', '15922', '16044', '17188', '17666'],
    ],
  },
  US: {
    callingCode: '1',
    weight: 0.25,
    regions: [
      ['2122', '6463', '9174', '7185', '3475', '9296', '2123', '6467'],
      ['4152', '5103', '6504', '4085', '6286', '9257', '4158', '5109'],
      ['2142', '4693', '9724', '5125', '7376', '8177', '2145', '4698'],
      ['3122', '7733', '8724', '2245', '6306', '8477', '3128', '7739'],
      ['3052', '7863', '9544', '5615', '3056', '7867', '9548', '5619'],
    ],
  },
  IN: {
    callingCode: '91',
    weight: 0.15,
    regions: [
      ['9810', '9811', '9871', '9899', '9910', '9958', '8800', '7011'],
      ['9820', '9821', '9867', '9892', '9930', '9967', '8879', '7021'],
      ['9840', '9841', '9884', '9940', '9962', '9003', '8939', '7200'],
      ['9830', '9831', '9874', '9903', '9933', '9051', '8910', '7278'],
      ['9845', '9880', '9900', '9945', '9980', '9008', '8861', '7204'],
    ],
  },
  BR: {
    callingCode: '55',
    weight: 0.15,
    regions: [
      ['11991', '11994', '11971', '11983', '11996', '11952', '11976', '11989'],
      ['21981', '21992', '21967', '21995', '21988', '21973', '21999', '21964'],
      ['31991', '31984', '31997', '31972', '31988', '31993', '31986', '31975'],
      ['41991', '41984', '41996', '41988', '41999', '41987', '41992', '41995'],
      ['51981', '51993', '51996', '51984', '51992', '51998', '51985', '51997'],
    ],
  },
};

export const countryCodes = Object.keys(plans) as CountryCode[];

export interface NumberWorld {
  countries: Record<CountryCode, Country>;
  blocks: Block[];
  blockOf(number: number): Block | undefined;
  /** The truth the platform knows: whether this number is an account on it. */
  registered(number: number): boolean;
  isCanary(number: number): boolean;
  /** The canary ranges as `discovery.canaries.prefixes` (e.g. `+4477001234`). */
  canaryPrefixes(): string[];
  /** A number of `block` that is (or is not) registered, never a canary. */
  sample(random: Random, block: Block, registered: boolean): number;
}

export const e164 = (number: number) => `+${number}`;

/** Builds the world; `seed` keys penetration, canary placement and registration. */
export function createNumberWorld(seed: number): NumberWorld {
  const key = mix(seed ^ 0x5eed5eed);
  const blocks: Block[] = [];
  const byKey = new Map<number, Block>();
  const countries = {} as Record<CountryCode, Country>;
  for (const code of countryCodes) {
    const plan = plans[code];
    const regions = plan.regions.map((prefixes, region) =>
      prefixes.map((national) => {
        const blockKey = Number(`${plan.callingCode}${national}`);
        const canaryHundreds = new Set<number>();
        for (let i = 0; canaryHundreds.size < canaryRangesPerBlock; i++) {
          canaryHundreds.add(Math.floor(unit(key ^ 0xca7a, blockKey * 64 + i) * 10_000));
        }
        const block: Block = {
          key: blockKey,
          country: code,
          region,
          penetration: 0.2 + 0.2 * unit(key ^ 0x9e7, blockKey),
          canaryHundreds,
        };
        blocks.push(block);
        byKey.set(blockKey, block);
        return block;
      }),
    );
    countries[code] = { code, callingCode: plan.callingCode, weight: plan.weight, regions };
  }

  const blockOf = (number: number) => byKey.get(Math.floor(number / blockSize));
  const inCanaryRange = (block: Block, number: number) =>
    block.canaryHundreds.has(Math.floor((number % blockSize) / 100));
  const isCanary = (number: number) => {
    const block = blockOf(number);
    return block !== undefined && inCanaryRange(block, number);
  };
  const registered = (number: number) => {
    const block = blockOf(number);
    if (!block || inCanaryRange(block, number)) return false;
    return unit(key, number) < block.penetration;
  };
  return {
    countries,
    blocks,
    blockOf,
    registered,
    isCanary,
    canaryPrefixes: () =>
      blocks.flatMap((b) => [...b.canaryHundreds].map((h) => `+${b.key}${String(h).padStart(4, '0')}`)),
    sample(random, block, wanted) {
      for (;;) {
        const number = block.key * blockSize + random.int(0, blockSize);
        if (!isCanary(number) && registered(number) === wanted) return number;
      }
    },
  };
}
