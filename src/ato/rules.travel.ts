import { clientEvents, type Rule } from './rules.context.js';
import { reason } from './rules.reasons.js';

/** Mean Earth radius (IUGG), km. */
const earthRadiusKm = 6371.0088;
const radians = (degrees: number): number => (degrees * Math.PI) / 180;

/** Great-circle distance in km between two points given in degrees (haversine formula). */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = radians(lat2 - lat1);
  const dLon = radians(lon2 - lon1);
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLon / 2) ** 2;
  return 2 * earthRadiusKm * Math.asin(Math.min(1, Math.sqrt(a)));
}

const isLatitude = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 90;
const isLongitude = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && Math.abs(v) <= 180;

/**
 * Impossible travel: from the account's last place to this event's (both from IP geolocation),
 * faster than travel.maxSpeedKmh. Moves shorter than travel.minDistanceKm are ignored; a late event
 * (before the last place's time) is measured over the absolute time between them.
 */
export const travelRule: Rule = (ctx) => {
  if (!clientEvents.has(ctx.event.type)) return undefined;
  const last = ctx.history?.lastLocation;
  const here = ctx.features?.ip;
  if (!last || !here || !Number.isFinite(last.time)) return undefined;
  if (!isLatitude(last.latitude) || !isLongitude(last.longitude)) return undefined;
  if (!isLatitude(here.latitude) || !isLongitude(here.longitude)) return undefined;
  const km = distanceKm(last.latitude, last.longitude, here.latitude, here.longitude);
  const { maxSpeedKmh, minDistanceKm } = ctx.config.travel;
  if (km < minDistanceKm) return undefined;
  const hours = Math.abs(ctx.time - last.time) / 3_600_000;
  // Compared as distance against reach, so zero elapsed time needs no division.
  if (km <= maxSpeedKmh * hours) return undefined;
  return (findings) => {
    const speed = hours > 0 ? `${Math.round(km / hours)} km/h` : 'no time at all';
    findings.reasons.push(
      reason(
        ctx.config,
        'travelImpossible',
        `${Math.round(km)} km from the account's last place in ${hours.toFixed(1)} h (${speed}), faster than ${maxSpeedKmh} km/h.`,
      ),
    );
  };
};
