import {
  type CountryCode,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/max';
import mobileExamples from 'libphonenumber-js/mobile/examples';
import { CustosError } from '../../core/errors.js';
import type { Random } from './random.js';

/**
 * Phone numbers for the simulation: every one a valid mobile number of its country by
 * libphonenumber's full metadata, so the enrichment sees what real traffic would send.
 */

/** True when `e164` is a valid number of `country` and of type mobile. */
export function isMobileOf(e164: string, country: string): boolean {
  const parsed = parsePhoneNumberFromString(e164);
  return (
    parsed !== undefined && parsed.country === country && parsed.isValid() && parsed.getType() === 'MOBILE'
  );
}

function exampleOf(country: string): { callingCode: string; national: string } {
  const example = getExampleNumber(country as CountryCode, mobileExamples);
  if (!example) throw new CustosError('internal', `libphonenumber has no mobile example for ${country}`);
  return { callingCode: getCountryCallingCode(country as CountryCode), national: example.nationalNumber };
}

function digits(random: Random, count: number): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += String(random.int(0, 10));
  return out;
}

/** Hands out distinct mobile numbers. */
export interface NumberPlan {
  /** A new valid mobile number of `country`, in E.164. */
  mobile(random: Random, country: string): string;
  /**
   * A range of consecutive mobile numbers sharing the first digits of one of `country`'s mobile
   * prefixes, as SMS pumpers walk them: `next()` gives the next valid one, undefined once the
   * range is used up.
   */
  range(random: Random, country: string): { prefix: string; next(): string | undefined };
}

export function createNumberPlan(): NumberPlan {
  const taken = new Set<string>();
  return {
    mobile(random, country) {
      const { callingCode, national } = exampleOf(country);
      // Keep fewer of the example's leading digits first (more variety), more if that fails.
      for (const keep of [1, 2, 3, national.length - 4]) {
        for (let attempt = 0; attempt < 25; attempt += 1) {
          const candidate = `+${callingCode}${national.slice(0, keep)}${digits(random, national.length - keep)}`;
          if (!taken.has(candidate) && isMobileOf(candidate, country)) {
            taken.add(candidate);
            return candidate;
          }
        }
      }
      throw new CustosError('internal', `no free mobile number found for ${country}`);
    },
    range(random, country) {
      const { callingCode, national } = exampleOf(country);
      const tail = Math.min(4, national.length - 2);
      const prefix = `+${callingCode}${national.slice(0, national.length - tail)}`;
      const space = 10 ** tail;
      const start = random.int(0, space);
      let walked = 0;
      return {
        prefix,
        next() {
          while (walked < space) {
            const candidate = `${prefix}${String((start + walked) % space).padStart(tail, '0')}`;
            walked += 1;
            if (!taken.has(candidate) && isMobileOf(candidate, country)) {
              taken.add(candidate);
              return candidate;
            }
          }
          return undefined;
        },
      };
    },
  };
}
