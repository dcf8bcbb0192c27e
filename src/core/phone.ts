import { type PhoneNumberType, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { createBoundedCache } from './cache.js';

export type PhoneType =
  | 'mobile'
  | 'fixed_line'
  | 'fixed_line_or_mobile'
  | 'voip'
  | 'toll_free'
  | 'premium_rate'
  | 'shared_cost'
  | 'personal_number'
  | 'pager'
  | 'uan'
  | 'voicemail'
  | 'unknown';

/** What a phone number tells. */
export interface PhoneFeatures {
  status: 'valid' | 'invalid' | 'absent';
  /** Normalised E.164, when it parsed. */
  e164?: string;
  /** ISO 3166-1 alpha-2 of the number's region. */
  country?: string;
  type?: PhoneType;
  /** `+` and the first digits (calling code and a few national digits), the unit SMS pumping is counted in. */
  prefix?: string;
}

const phoneTypes: Record<PhoneNumberType, PhoneType> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed_line',
  FIXED_LINE_OR_MOBILE: 'fixed_line_or_mobile',
  VOIP: 'voip',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium_rate',
  SHARED_COST: 'shared_cost',
  PERSONAL_NUMBER: 'personal_number',
  PAGER: 'pager',
  UAN: 'uan',
  VOICEMAIL: 'voicemail',
};

/** E.164: `+`, a calling code not starting with 0, at most 15 digits in all. Nothing else. */
const e164 = /^\+[1-9]\d{1,14}$/;

/** National digits kept in the prefix after the calling code. */
const prefixNationalDigits = 3;

const absent: PhoneFeatures = Object.freeze({ status: 'absent' });
const invalid: PhoneFeatures = Object.freeze({ status: 'invalid' });

/**
 * What a phone number tells, from libphonenumber's full ("max") metadata, which knows each
 * range's type. Only strict E.164 is read: spaces, national forms (`07700900123`) and letters are
 * `invalid` rather than guessed at, since the platform is expected to send E.164. A number that
 * parses (known calling code, plausible length) but is not in an allocated range keeps its
 * `e164` and `prefix` with status `invalid`: SMS pumping often targets such ranges, and they must
 * still be counted per prefix.
 *
 * The prefix is `+`, the calling code and the first three national digits (`+44740`, `+1201`,
 * `+49151`): the NANP area code, or the operator block of most mobile plans, which is the unit
 * SMS-pumping fraud buys and rotates through.
 */
export function readPhone(text: string | undefined): PhoneFeatures {
  if (text === undefined || text === '') return absent;
  if (!e164.test(text)) return invalid;
  const parsed = parsePhoneNumberFromString(text);
  if (!parsed) return invalid;
  const features: PhoneFeatures = {
    status: parsed.isValid() ? 'valid' : 'invalid',
    e164: parsed.number,
    prefix: `+${parsed.countryCallingCode}${parsed.nationalNumber.slice(0, prefixNationalDigits)}`,
  };
  if (parsed.country) features.country = parsed.country;
  if (features.status === 'valid') {
    const type = parsed.getType();
    features.type = type ? phoneTypes[type] : 'unknown';
  }
  return Object.freeze(features);
}

/** `readPhone` behind a bounded cache of `capacity` numbers (parsing costs tens of microseconds). */
export function createPhoneReader(capacity: number): (text: string | undefined) => PhoneFeatures {
  const cache = createBoundedCache<PhoneFeatures>(capacity);
  return (text) => {
    if (text === undefined || text === '' || text.length > 16) return readPhone(text);
    let features = cache.get(text);
    if (!features) {
      features = readPhone(text);
      // Text that is not even E.164 is refused cheaply; remembering it would let junk evict numbers.
      if (features.e164 !== undefined) cache.set(text, features);
    }
    return features;
  };
}
