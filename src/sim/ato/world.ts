/**
 * The places of the simulation. `weight` is the share of simulated accounts whose number is from
 * the country: a modelling assumption (large messaging markets weigh more), not a measurement.
 * Countries with weight 0 are only visited, by travellers and attackers: the United States and
 * Mexico among them because their numbering plans do not tell mobile numbers from fixed lines,
 * so no number there passes the mobile check every simulated number must pass. Coordinates are
 * those of the largest city, offsets are standard time; both serve travel and daily rhythm only.
 */

export interface Country {
  /** ISO 3166-1 alpha-2. */
  code: string;
  weight: number;
  lat: number;
  lon: number;
  /** Hours from UTC, standard time. */
  utcOffset: number;
  /** ASNs of access ISPs (fixed and mobile), see networks.ts. */
  access: readonly number[];
}

export const countries: readonly Country[] = [
  { code: 'IN', weight: 28, lat: 28.61, lon: 77.21, utcOffset: 5.5, access: [55836, 45609, 24560, 38266] },
  { code: 'BR', weight: 12, lat: -23.55, lon: -46.63, utcOffset: -3, access: [28573, 26599, 26615] },
  { code: 'ID', weight: 9, lat: -6.21, lon: 106.85, utcOffset: 7, access: [23693, 7713, 4761] },
  { code: 'NG', weight: 5, lat: 6.52, lon: 3.38, utcOffset: 1, access: [29465, 36873] },
  { code: 'PK', weight: 5, lat: 24.86, lon: 67.01, utcOffset: 5, access: [17557] },
  { code: 'EG', weight: 4, lat: 30.04, lon: 31.24, utcOffset: 2, access: [8452, 36935, 37069] },
  { code: 'TR', weight: 4, lat: 41.01, lon: 28.98, utcOffset: 3, access: [9121, 16135, 15897] },
  { code: 'DE', weight: 4, lat: 52.52, lon: 13.4, utcOffset: 1, access: [3320, 3209, 6805] },
  { code: 'IT', weight: 3.5, lat: 41.9, lon: 12.5, utcOffset: 1, access: [3269, 30722, 1267] },
  { code: 'ES', weight: 3, lat: 40.42, lon: -3.7, utcOffset: 1, access: [3352, 12479, 12430] },
  { code: 'GB', weight: 3, lat: 51.51, lon: -0.13, utcOffset: 0, access: [2856, 5089, 5607, 206067] },
  { code: 'FR', weight: 3, lat: 48.86, lon: 2.35, utcOffset: 1, access: [3215, 15557, 12322, 5410] },
  { code: 'RU', weight: 3, lat: 55.76, lon: 37.62, utcOffset: 3, access: [12389, 8359, 3216] },
  { code: 'PH', weight: 2, lat: 14.6, lon: 120.98, utcOffset: 8, access: [9299, 132199] },
  { code: 'ZA', weight: 2, lat: -26.2, lon: 28.05, utcOffset: 2, access: [29975, 16637, 37457] },
  { code: 'AR', weight: 2, lat: -34.6, lon: -58.38, utcOffset: -3, access: [7303, 22927] },
  { code: 'CO', weight: 2, lat: 4.71, lon: -74.07, utcOffset: -5, access: [10620, 27831] },
  { code: 'KE', weight: 1.5, lat: -1.29, lon: 36.82, utcOffset: 3, access: [33771, 36926] },
  { code: 'SA', weight: 1.5, lat: 24.71, lon: 46.68, utcOffset: 3, access: [25019, 35819] },
  { code: 'NO', weight: 0.5, lat: 59.91, lon: 10.75, utcOffset: 1, access: [2119, 29695] },
  { code: 'US', weight: 0, lat: 40.71, lon: -74.01, utcOffset: -5, access: [7922, 21928, 7018] },
  { code: 'MX', weight: 0, lat: 19.43, lon: -99.13, utcOffset: -6, access: [8151, 28403] },
  { code: 'AE', weight: 0, lat: 25.2, lon: 55.27, utcOffset: 4, access: [5384, 15802] },
  { code: 'TH', weight: 0, lat: 13.76, lon: 100.5, utcOffset: 7, access: [7470, 45758, 133481] },
  { code: 'VN', weight: 0, lat: 21.03, lon: 105.85, utcOffset: 7, access: [45899, 7552] },
];

/** Countries numbers are drawn from. */
export const homeCountries: readonly Country[] = countries.filter((country) => country.weight > 0);

/**
 * Countries whose mobile ranges the simulated SMS pumpers send codes to. Illustrative: real
 * pumping moves between destinations; all that matters here is a few prefixes outside the
 * population's own.
 */
export const pumpingCountries: readonly string[] = ['KG', 'UZ', 'TJ', 'LK', 'MM', 'AZ'];

const earthRadiusKm = 6371;

/** Great-circle distance in kilometres. */
export function distanceKm(a: Country, b: Country): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Door-to-door travel time: airliner cruise (~850 km/h) plus three hours of airports; overland
 * trips under 500 km at 80 km/h. Nobody in the simulation moves faster.
 */
export function travelMs(from: Country, to: Country): number {
  const km = distanceKm(from, to);
  const hours = km < 500 ? km / 80 : km / 850 + 3;
  return Math.round(hours * 3_600_000);
}
