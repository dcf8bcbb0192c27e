import { ocsfClass } from '../../core/events.js';

/**
 * Maps a rule's `logsource` to the events it can match, so the engine tries an event only
 * against rules that can match it. Two vocabularies:
 *
 * - `product: custos` with a Custos domain as `category` selects Custos's own events by topic:
 *   `category: access` is every `access.*` event, and `service: grant` narrows it to
 *   `access.grant.*`.
 * - An OCSF class name as `category` (with no product, or `product: custos`) selects events of
 *   that class_uid, whoever emitted them: `authentication`, `account_change`, … and two platform
 *   classes of our own, `call` and `crash`.
 *
 * Anything else (SigmaHQ's `product: windows`, …) maps to nothing: the rule loads, with a
 * warning, and never matches.
 */

/**
 * Platform event classes OCSF 1.8 lacks, in a private extension's range. OCSF numbers an
 * extension's classes `extension_uid * 100000 + category_uid * 1000 + n`; 990 is not in the
 * OCSF extension registry (993–999 and 1–3 are taken), and category 6 is Application Activity.
 */
export const platformExtensionUid = 990;
export const platformClass = {
  /** A voice or video call set up, answered, refused or ended on the platform. */
  call: 99_006_001,
  /** A client application crash report. */
  crash: 99_006_002,
} as const;

/** OCSF class names (as Sigma categories: lower case, `_` for spaces) to class_uid. */
export const classByCategory: Readonly<Record<string, number>> = {
  account_change: ocsfClass.accountChange,
  authentication: ocsfClass.authentication,
  user_access_management: ocsfClass.userAccessManagement,
  api_activity: ocsfClass.apiActivity,
  datastore_activity: 6005,
  call: platformClass.call,
  crash: platformClass.crash,
};

/** The domains that publish Custos events, each the first segment of its topics. */
export const custosDomains = [
  'identity',
  'access',
  'ato',
  'discovery',
  'detect',
  'respond',
  'findings',
  'ledger',
];

export const custosProduct = 'custos';

export type LogsourceTarget =
  | { kind: 'topic'; prefix: string }
  | { kind: 'class'; classUid: number }
  | { kind: 'never'; reason: string };

const segment = /^[a-z0-9_-]+$/;

/** Where a logsource's events are found, or why none are. */
export function mapLogsource(spec: {
  product?: string;
  category?: string;
  service?: string;
}): LogsourceTarget {
  const product = spec.product?.toLowerCase();
  const category = spec.category?.toLowerCase();
  const service = spec.service?.toLowerCase();
  const describe = () =>
    (['product', 'category', 'service'] as const)
      .filter((key) => spec[key] !== undefined)
      .map((key) => `${key}: ${spec[key]}`)
      .join(', ') || 'an empty logsource';
  const never = (): LogsourceTarget => ({
    kind: 'never',
    reason: `logsource not mapped (${describe()}): never matches`,
  });
  if (product !== undefined && product !== custosProduct) return never();
  if (category === undefined) return never();
  if (product === custosProduct && custosDomains.includes(category)) {
    if (service === undefined) return { kind: 'topic', prefix: `${category}.` };
    return segment.test(service) ? { kind: 'topic', prefix: `${category}.${service}.` } : never();
  }
  const classUid = Object.hasOwn(classByCategory, category) ? classByCategory[category] : undefined;
  if (classUid === undefined || service !== undefined) return never();
  return { kind: 'class', classUid };
}
